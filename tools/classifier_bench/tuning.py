"""onnxruntime session options for a one-vCPU Lambda, each measured in a fresh process.

`python -m classifier_bench.tuning MODEL_DIR CONFIG [--model FILE]` prints one JSON line:
where this project's cold start goes (imports, reading the model, session creation, the
warm-up run) and the warm `session.run` p50 under that configuration. The driver runs every
configuration several times, interleaved, pinned to one CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

# name -> what changes from the production options in image_classifier.engine
CONFIGS = {
    "production": "image_classifier.engine.session_options as shipped",
    "spinning": "session.intra_op.allow_spinning = 1 (onnxruntime's default)",
    "no_arena": "enable_cpu_mem_arena = False",
    "mem_pattern": "enable_mem_pattern = True (onnxruntime's default)",
    "denormal_as_zero": "session.set_denormal_as_zero = 1",
    "level_disabled": "graph optimisation ORT_DISABLE_ALL",
    "level_basic": "graph optimisation ORT_ENABLE_BASIC",
    "level_extended": "graph optimisation ORT_ENABLE_EXTENDED",
    "preopt_basic_load_all": "model saved pre-optimised at BASIC, loaded at ALL",
    "preopt_extended_load_all": "model saved pre-optimised at EXTENDED, loaded at ALL",
    "preopt_extended_load_disabled": "model saved pre-optimised at EXTENDED, loaded unoptimised",
}
LEVELS = {
    "disabled": "ORT_DISABLE_ALL",
    "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED",
    "all": "ORT_ENABLE_ALL",
}


def save_preoptimised(model_path: Path, level: str, output: Path) -> None:
    """Write the graph as onnxruntime leaves it after BASIC or EXTENDED (never ALL)."""
    import onnxruntime as ort

    if level not in ("basic", "extended"):
        raise ValueError("only BASIC or EXTENDED graphs are portable across CPUs")
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, LEVELS[level])
    options.optimized_model_filepath = str(output)
    ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


def options_for(config: str, threads: int) -> Any:
    import onnxruntime as ort

    from image_classifier.engine import session_options

    options = session_options(threads)
    if config == "spinning":
        options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    elif config == "no_arena":
        options.enable_cpu_mem_arena = False
    elif config == "mem_pattern":
        options.enable_mem_pattern = True
    elif config == "denormal_as_zero":
        options.add_session_config_entry("session.set_denormal_as_zero", "1")
    elif config.startswith("level_"):
        level = LEVELS[config.removeprefix("level_")]
        options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    elif config.endswith("load_disabled"):
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return options


def measure(model_dir: Path, config: str, model_file: Path | None, runs: int) -> dict[str, Any]:
    """Cold-start stages as handler.py pays them, then warm single-image session.run."""
    started = time.perf_counter()
    import numpy as np
    import onnxruntime as ort

    from image_classifier.engine import INPUT_NAME, OUTPUT_NAME
    from image_classifier.http_app import HttpApp  # noqa: F401  (the handler's import cost)
    from image_classifier.model_card import ModelCard
    from image_classifier.settings import Settings

    imported = time.perf_counter()
    card = ModelCard.load(model_dir)
    data = model_file.read_bytes() if model_file else card.read_model_bytes()
    threads = Settings.from_env(default_model_dir=model_dir).ort_intra_op_threads
    read = time.perf_counter()
    session = ort.InferenceSession(
        data, sess_options=options_for(config, threads), providers=["CPUExecutionProvider"]
    )
    created = time.perf_counter()
    batch = np.random.default_rng(0).uniform(0, 255, (1, *card.spec.shape)).astype(np.float32)
    session.run([OUTPUT_NAME], {INPUT_NAME: batch})
    first = time.perf_counter()
    for _ in range(max(3, runs // 10)):
        session.run([OUTPUT_NAME], {INPUT_NAME: batch})
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        session.run([OUTPUT_NAME], {INPUT_NAME: batch})
        samples.append(time.perf_counter() - begin)
    return {
        "imports_s": imported - started,
        "read_model_s": read - imported,
        "session_s": created - read,
        "first_run_s": first - created,
        "init_s": first - started,
        "warm_p50_ms": float(np.median(samples)) * 1000,
        "model_bytes": len(data),
        "threads": threads,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("config", choices=sorted(CONFIGS))
    parser.add_argument("--model", type=Path, help="a pre-optimised graph to load instead")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    result = measure(args.model_dir, args.config, args.model, args.runs)
    sys.stdout.write("BENCH " + json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

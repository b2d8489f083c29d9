"""Measuring one model: cold starts, warm runs, the request breakdown, tuning and LiteRT fairness.

Each figure is taken twice where it matters: pinned to one CPU with `taskset -c 0` (Lambda at
or below 1769 MB) and unpinned. Implementations are interleaved so that drift in the
machine's speed falls on all of them alike.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from classifier_bench.flops import count_flops
from classifier_bench.models import LITERT_INT8_CARD, BenchModel, int8_variant_dir
from classifier_bench.processes import ModelFiles, log, run_process, worker_env
from classifier_bench.tuning import CONFIGS
from classifier_bench.verdicts import HEADLINE
from classifier_devtools.paths import ROOT
from image_classifier.model_card import INT8_FILE, MODEL_FILE

# placement -> pinned to one CPU
PLACEMENTS = {"pinned": True, "unpinned": False}
Figures = dict[str, Any]  # one measurement as benchmarks.json stores it


@dataclass(frozen=True)
class Effort:
    """How many samples each figure gets; `--quick` shrinks them for the smoke test."""

    cold_runs: int
    iterations: int
    memory_requests: int  # this project, pinned, headline model: the RSS target's 1,000 + 4,000
    peer_memory_requests: int  # everything else: RSS at 1,000 and growth over 1,000 more
    tuning_reps: int
    tuning_runs: int

    def scaled(self, flops: int) -> Effort:
        """Fewer samples for a heavier graph, so that `make bench` stays under 15 minutes."""
        factor = min(1.0, max(0.25, 0.2e9 / flops))
        return replace(
            self,
            iterations=max(10, int(self.iterations * factor)),
            tuning_runs=max(10, int(self.tuning_runs * factor)),
        )


FULL = Effort(5, 200, 5000, 1000, 3, 200)
QUICK = Effort(1, 20, 100, 100, 1, 30)


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def cold_starts(
    files: ModelFiles, impls: list[str], events: Path, runs: int, placements: dict[str, bool]
) -> Figures:
    results: Figures = {}
    for placement, pinned in placements.items():
        count = runs if pinned else max(1, runs - 2)
        inside: dict[str, list[float]] = {impl: [] for impl in impls}
        wall: dict[str, list[float]] = {impl: [] for impl in impls}
        for run in range(count):
            # Keras takes seconds per cold start: fewer runs, still interleaved with the rest.
            this_round = [i for i in impls if i != "keras" or run < max(1, count - 2)]
            for impl in this_round:
                measured, elapsed = files.run(impl, "cold", events, pinned)
                inside[impl].append(measured["cold_start_s"])
                wall[impl].append(elapsed)
            log(
                f"  cold start {placement}, run {run + 1}/{count}: "
                + ", ".join(f"{impl} {inside[impl][-1]:.3f} s" for impl in this_round)
            )
        results[placement] = {
            impl: {"inside": spread(inside[impl]), "wall": spread(wall[impl])} for impl in impls
        }
    return results


def warm_runs(
    files: ModelFiles,
    impls: list[str],
    events: Path,
    effort: Effort,
    placements: dict[str, bool],
    served: str,
) -> Figures:
    """`served`, the engine this project serves on this CPU, gets the long memory soak."""
    results: Figures = {}
    for placement, pinned in placements.items():
        results[placement] = {}
        for impl in impls:
            if impl == "keras-eager":
                requests = 0
            elif impl == served and pinned and files.model.name == HEADLINE:
                requests = effort.memory_requests
            else:
                requests = effort.peer_memory_requests
            iterations = effort.iterations // 4 if impl == "keras-eager" else effort.iterations
            measured, _ = files.run(
                impl,
                "warm",
                events,
                pinned,
                "--iterations",
                str(iterations),
                "--memory-requests",
                str(requests),
            )
            results[placement][impl] = measured
            log(
                f"  warm {placement} {impl}: p50 640x480 "
                f"{measured['latency']['jpeg_640x480']['p50_ms']:.3f} ms, inference "
                f"{measured['inference_only']['p50_ms']:.3f} ms, "
                f"{measured['throughput_images_per_s']:.0f} images/s"
            )
    return results


def throughput_rates(pinned: bool) -> dict[str, float]:
    """The machine's GEMM and depthwise-convolution speed through onnxruntime's kernels."""
    command = [sys.executable, "-m", "classifier_bench.flops", "1" if pinned else "2"]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    rates: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return rates


def tuning(files: ModelFiles, workdir: Path, effort: Effort) -> Figures:
    """Each session option in its own fresh pinned process, interleaved, median of reps."""
    model_dir = files.model.model_dir
    preoptimised = {}
    for level in ("basic", "extended"):
        path = workdir / f"{files.model.name}.{level}.onnx"
        code = (
            "import sys; from pathlib import Path; "
            "from classifier_bench.tuning import save_preoptimised; "
            "save_preoptimised(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(model_dir / MODEL_FILE), level, str(path)],
            check=True,
            capture_output=True,
        )
        preoptimised[level] = path
    samples: dict[str, list[Figures]] = {config: [] for config in CONFIGS}
    env = worker_env("onnx", True, model_dir)
    reps = effort.tuning_reps if files.model.name == HEADLINE else max(1, effort.tuning_reps - 1)
    for _ in range(reps):
        for config in CONFIGS:
            args = [str(model_dir), config, "--runs", str(effort.tuning_runs)]
            if config.startswith("preopt_"):
                args += ["--model", str(preoptimised[config.split("_")[1]])]
            measured, _, _ = run_process("classifier_bench.tuning", args, True, env)
            samples[config].append(measured)
    # Two threads (a >= 3538 MB function, unpinned) is where spinning can matter.
    env2 = worker_env("onnx", False, model_dir)
    for config in ("production", "spinning"):
        samples[f"{config}@2threads"] = [
            run_process(
                "classifier_bench.tuning",
                [str(model_dir), config, "--runs", str(effort.tuning_runs)],
                False,
                env2,
            )[0]
            for _ in range(reps)
        ]
    results = {}
    for config, runs in samples.items():
        results[config] = {
            key: statistics.median(run[key] for run in runs)
            for key in runs[0]
            if isinstance(runs[0][key], float)
        }
        results[config]["model_bytes"] = runs[0]["model_bytes"]
        results[config]["n"] = len(runs)
    log(
        "  tuning: "
        + ", ".join(
            f"{config} session {r['session_s'] * 1000:.0f} ms / run {r['warm_p50_ms']:.3f} ms"
            for config, r in results.items()
        )
    )
    return results


def fairness(files: ModelFiles) -> Figures:
    """Each LiteRT variant: XNNPACK on and off, whether it logged, denormals, agreement."""
    results: Figures = {}
    for impl, tflite in files.tflite.items():
        env = worker_env(impl, True, files.model.model_dir)
        measured, _, stderr = run_process(
            "classifier_bench.fairness", [str(files.model.model_dir), str(tflite)], True, env
        )
        measured["xnnpack_delegate_logged"] = "XNNPACK delegate" in stderr
        log(
            f"  {impl} fairness: invoke {measured['invoke_p50_ms_default']:.3f} ms with "
            f"default delegates, {measured['invoke_p50_ms_without_xnnpack']:.3f} ms without; "
            f"{measured['subnormal_values']} subnormal values"
        )
        results[impl] = measured
    return results


def convert_tflite(model: BenchModel, workdir: Path) -> Path:
    output = workdir / f"{model.name}.tflite"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier_bench.convert_tflite",
            str(model.model_dir / "model.keras"),
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    return output


def bench_model(
    model: BenchModel,
    workdir: Path,
    events: Path,
    effort: Effort,
    placements: dict[str, bool],
    litert: bool,
) -> Figures:
    log(f"== {model.name} ({model.model_dir.relative_to(ROOT)})")
    flops = count_flops(model.model_dir / MODEL_FILE)
    effort = effort.scaled(flops["total"])
    int8_graph = model.int8_graph
    ours = ["onnx", *(["onnx-int8"] if int8_graph else [])]
    refused = int8_variant_dir(model, workdir)
    tflite = {}
    if litert:
        tflite["litert"] = convert_tflite(model, workdir)
        if model.litert_int8:
            tflite["litert-int8"] = model.litert_int8
    files = ModelFiles(model, tflite, {"onnx-int8": refused} if refused else {})
    choice = model.served_here()
    served = "onnx-int8" if choice.file == INT8_FILE else "onnx"
    log(f"  served here: {choice.file} ({choice.reason})")
    peers = ["keras", *tflite]
    cold_impls = [*ours, *peers]
    warm_impls = [*ours, *peers, *([] if model.photo else ["keras-eager"])]
    log(f"  cold starts: {effort.cold_runs} interleaved runs per implementation")
    result: Figures = {
        "card": {
            key: model.metadata.get(key)
            for key in ("name", "version", "input", "backbone", "metrics", "int8", "serving")
        },
        "served": {"engine": served, "file": choice.file, "reason": choice.reason},
        "onnx_bytes": (model.model_dir / MODEL_FILE).stat().st_size,
        "graph_bytes": {
            "onnx": (model.model_dir / MODEL_FILE).stat().st_size,
            **({"onnx-int8": int8_graph.stat().st_size} if int8_graph else {}),
            **{impl: path.stat().st_size for impl, path in tflite.items()},
        },
        "flops": flops,
        "cold": cold_starts(files, cold_impls, events, effort.cold_runs, placements),
        "warm": warm_runs(files, warm_impls, events, effort, placements, served),
    }
    if (model.model_dir / LITERT_INT8_CARD).is_file():
        result["litert_int8"] = json.loads((model.model_dir / LITERT_INT8_CARD).read_text())
    log("  breakdown of this project's request path")
    result["breakdown"] = {
        placement: files.run(
            served, "breakdown", events, pinned, "--iterations", str(effort.iterations)
        )[0]["breakdown_ms"]
        for placement, pinned in placements.items()
    }
    if model.photo:
        result["tuning"] = tuning(files, workdir, effort)
        if files.tflite:
            result["fairness"] = fairness(files)
    return result

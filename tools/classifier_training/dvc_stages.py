"""The commands dvc.yaml's stages run. DVC calls them; they never import DVC, so training
works without it.

params.yaml's `train` section maps key for key onto scripts/train.py's flags (`image_size` is
`--image-size`; null leaves the flag at its default), so `dvc exp run -S train.<flag>=<value>`
tries any flag without editing dvc.yaml. The metrics come from the card, the one record of a
run, plus the wall time of the train stage, which the card does not hold.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from classifier_training import cli
from classifier_training.data import folder_source
from classifier_training.errors import TrainingInputError, exit_code
from image_classifier.errors import ModelLoadError
from image_classifier.model_card import ModelCard

SHORT_HASH = 12  # hex digits of the card's data hash in metrics.json, like a short git hash
PLOTS = ("curves.png", "confusion.png")  # copied from the model's report/ for `dvc plots`


def read_params(path: Path) -> dict[str, Any]:
    """params.yaml as a mapping of sections; a clear error for anything else."""
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TrainingInputError(f"{path}: not readable YAML ({exc})") from exc
    data = params.get("data") if isinstance(params, dict) else None
    if not isinstance(data, dict) or not data.get("dir"):
        raise TrainingInputError(f"{path}: needs a `data` section with `dir`")
    if not isinstance(params.get("train", {}), dict):
        raise TrainingInputError(f"{path}: `train` must be a mapping of train.py flags")
    return dict(params)


def flags(section: dict[str, Any]) -> list[str]:
    """{"image_size": 160, "augment": False} -> ["--image-size", "160", "--no-augment"]."""
    argv: list[str] = []
    for key, value in section.items():
        flag = "--" + str(key).replace("_", "-")
        if value is None:
            continue
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, str | int | float):
            argv += [flag, str(value)]
        else:
            raise TrainingInputError(f"params: train.{key} must be a single value")
    return argv


def train_argv(params: dict[str, Any], output: Path) -> list[str]:
    data_dir = str(params["data"]["dir"])
    return ["--data-dir", data_dir, "--output", str(output), *flags(params.get("train") or {})]


def summarize_data(params: dict[str, Any], output: Path) -> dict[str, int]:
    """The photo set's size per class, and a failed stage when it cannot be trained on.

    The data audit (issue 24, scripts/audit.py) takes this stage's place when it lands.
    """
    source = folder_source(Path(params["data"]["dir"]))
    counts = np.bincount(source.targets, minlength=len(source.labels))
    summary = {
        "images": len(source),
        "classes": len(source.labels),
        "smallest_class": int(counts.min()),
        "skipped_files": source.skipped,
    }
    _write_json(output, summary)
    return summary


def timed_train(params: dict[str, Any], output: Path, timing: Path) -> float:
    """scripts/train.py's pipeline on the params; its wall time goes to `timing`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cli.train(cli.parse_args(train_argv(params, output)))
    seconds = round(time.perf_counter() - started, 1)
    _write_json(timing, {"train_seconds": seconds})
    return seconds


def write_metrics(model_dir: Path, timing: Path, output: Path, plots: Path) -> dict[str, Any]:
    """metrics.json for `dvc metrics`/`dvc exp show`, and the report's pictures for `dvc plots`."""
    try:
        card = ModelCard.load(model_dir).metadata
    except ModelLoadError as exc:
        raise TrainingInputError(str(exc)) from exc
    metrics = {
        "test_accuracy": card["metrics"]["test_accuracy"],
        "macro_f1": card["metrics"]["macro_f1"],
        "parity_max_abs_diff": card["parity"]["max_abs_diff"],
        "train_seconds": json.loads(timing.read_text(encoding="utf-8"))["train_seconds"],
        "epochs_run": card["metrics"]["epochs_run"],
        "data_hash": card["dataset"]["content_hash"][:SHORT_HASH],
    }
    _write_json(output, metrics)
    plots.mkdir(parents=True, exist_ok=True)
    for name in PLOTS:
        shutil.copyfile(model_dir / "report" / name, plots / name)
    return metrics


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    stages = parser.add_subparsers(dest="stage", required=True)
    data = stages.add_parser("data", help="summarize the photo set named by data.dir")
    data.add_argument("--params", type=Path, default=Path("params.yaml"))
    data.add_argument("--output", type=Path, required=True, help="the summary (JSON)")
    train = stages.add_parser("train", help="train, export and check parity; time it")
    train.add_argument("--params", type=Path, default=Path("params.yaml"))
    train.add_argument("--output", type=Path, required=True, help="the model folder")
    train.add_argument("--timing", type=Path, required=True, help="the wall time (JSON)")
    report = stages.add_parser("metrics", help="metrics.json and plots from the card")
    report.add_argument("--model", type=Path, required=True)
    report.add_argument("--timing", type=Path, required=True)
    report.add_argument("--output", type=Path, required=True)
    report.add_argument("--plots", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.stage == "data":
        return exit_code(lambda: print(summarize_data(read_params(args.params), args.output)))
    if args.stage == "train":
        return exit_code(lambda: timed_train(read_params(args.params), args.output, args.timing))
    return exit_code(lambda: print(write_metrics(args.model, args.timing, args.output, args.plots)))

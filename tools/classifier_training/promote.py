"""Promote a pipeline run's model folder to the served model/, after checking its card.

The DVC pipeline never writes model/ (a DVC output would be deleted and re-linked on every
checkout); this command is the one way a run reaches it. With --experiment it first restores
that experiment's params, lock and outputs with `dvc exp apply`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

from classifier_training.artifacts import write_atomically
from classifier_training.errors import TrainingInputError, exit_code
from image_classifier.errors import ModelLoadError
from image_classifier.model_card import ModelCard

PIPELINE_MODEL = Path("build/pipeline/model")  # the train stage's output in dvc.yaml
SERVED_MODEL = Path("model")


def promote(source: Path, target: Path) -> ModelCard:
    """Copy `source` over `target` whole, only once its card loads and model.onnx matches it."""
    try:
        card = ModelCard.load(source)
        card.read_model_bytes()
    except ModelLoadError as exc:
        raise TrainingInputError(f"not promoted: {exc}") from exc

    def copy(staging: Path) -> None:
        shutil.copytree(source, staging, dirs_exist_ok=True)

    write_atomically(target, copy)
    return card


def apply_experiment(name: str) -> None:
    """`dvc exp apply NAME`: the DVC CLI restores that run's outputs into build/pipeline/."""
    result = subprocess.run(["dvc", "exp", "apply", name], check=False)
    if result.returncode != 0:
        raise TrainingInputError(f"dvc exp apply {name} failed (exit {result.returncode})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", help="a name from `dvc exp show`; default: the workspace")
    parser.add_argument("--source", type=Path, default=PIPELINE_MODEL)
    parser.add_argument("--target", type=Path, default=SERVED_MODEL)
    args = parser.parse_args(argv)

    def job() -> None:
        if args.experiment:
            apply_experiment(args.experiment)
        card = promote(args.source, args.target)
        accuracy = card.metadata.get("metrics", {}).get("test_accuracy")
        print(f"promoted {card.name} {card.version} (test accuracy {accuracy}) to {args.target}")

    return exit_code(job)

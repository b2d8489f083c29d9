"""Retrain the photo models `make bench` reads, with the project's own trainer, then try int8.

`python -m classifier_bench.bench_models --data-dir PHOTOS` (or `make bench-models`). A fresh
clone has no photos, so what the benchmark needs (the graph, its card and labels, and
model.keras for the Keras and LiteRT peers) is committed under tools/classifier_bench/models/;
the trainer's report and gallery are left out to keep the clone small.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from classifier_bench.models import MODELS_DIR
from classifier_devtools.paths import ROOT

# Random initial weights: pretrained ones would need a download, and speed does not depend on
# them. A few epochs are enough for outputs that vary from photo to photo.
RECIPES = {
    "mobilenet_v3_small": [
        "--backbone",
        "mobilenet_v3_small",
        "--weights",
        "none",
        "--image-size",
        "224",
        "--epochs",
        "3",
    ],
    "cnn": ["--backbone", "cnn", "--epochs", "2"],
}
KEPT = ("model.onnx", "labels.json", "metadata.json", "model.keras")


def strip_optimizer(path: Path) -> None:
    """The peers only infer: an uncompiled model.keras is a third of the size (no Adam state)."""
    import keras

    keras.models.load_model(path, compile=False).save(path)


def rebuild(name: str, data_dir: Path, output: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trained = Path(tmp) / name
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "train.py"),
                "--data-dir",
                str(data_dir),
                "--output",
                str(trained),
                *RECIPES[name],
            ],
            check=True,
        )
        shutil.rmtree(output, ignore_errors=True)
        output.mkdir(parents=True)
        for file in KEPT:
            shutil.copy(trained / file, output / file)
    strip_optimizer(output / "model.keras")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "quantize.py"),
            str(output),
            "--data-dir",
            str(data_dir),
        ],
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="folder-per-class photos")
    parser.add_argument("--models", nargs="+", choices=sorted(RECIPES), default=sorted(RECIPES))
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"error: {args.data_dir} is not a directory of class folders", file=sys.stderr)
        return 2
    for name in args.models:
        rebuild(name, args.data_dir, MODELS_DIR / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

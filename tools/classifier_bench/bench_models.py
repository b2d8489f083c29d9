"""Rebuild the photo model `make bench` reads, with the project's own trainer, then both int8s.

`python -m classifier_bench.bench_models --data-dir PHOTOS` (or `make bench-models`). A fresh
clone has no photos, so what the benchmark needs is committed under
tools/classifier_bench/models/<name>/: the model folder (float graph, card, labels, and the
int8 graph when the card keeps it, else the refused one as model.int8.refused.onnx, which
the card never names), model.keras for the Keras and LiteRT peers, and LiteRT's
own int8 graph with its agreement figures (litert_int8.json). The trainer's report is left out
to keep the clone small.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from classifier_bench.models import (
    KERAS_FILE,
    LITERT_INT8_CARD,
    LITERT_INT8_FILE,
    MODELS_DIR,
    PHOTO_MODELS,
    REFUSED_INT8_FILE,
)
from classifier_devtools.paths import ROOT
from image_classifier.model_card import LABELS_FILE, METADATA_FILE, MODEL_FILE, ModelCard

# The default photo recipe, as `scripts/train.py --data-dir PHOTOS` runs it: nothing to add.
RECIPES: dict[str, list[str]] = {"efficientnet_lite0": []}
KEPT = (MODEL_FILE, LABELS_FILE, METADATA_FILE, KERAS_FILE)


def strip_optimizer(path: Path) -> None:
    """The peers only infer: an uncompiled model.keras drops the optimizer's state."""
    import keras

    keras.models.load_model(path, compile=False).save(path)


def train(name: str, data_dir: Path, output: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trained = Path(tmp) / name
        command = [sys.executable, str(ROOT / "scripts" / "train.py")]
        command += ["--data-dir", str(data_dir), "--output", str(trained), *RECIPES[name]]
        subprocess.run(command, check=True)
        shutil.rmtree(output, ignore_errors=True)
        output.mkdir(parents=True)
        for file in KEPT:
            shutil.copy(trained / file, output / file)
    strip_optimizer(output / KERAS_FILE)


def litert_int8(model_dir: Path, data_dir: Path) -> dict[str, Any]:
    """LiteRT's full-integer int8 from model.keras, calibrated on the rows onnxruntime's int8
    used, and judged by the same gate on the same test split (recorded, never served)."""
    from classifier_bench.convert_tflite import convert_int8, predict
    from classifier_training.quantize import (
        calibration_rows,
        cpu_description,
        judge,
        load_photo_splits,
    )
    from classifier_training.quantize import predict as onnx_predict

    card = ModelCard.load(model_dir)
    seed = int(card.metadata.get("training", {}).get("seed", 42))
    splits = load_photo_splits(data_dir, card.spec, seed)
    rows = calibration_rows(len(splits.x_train), seed)
    output = model_dir / LITERT_INT8_FILE
    convert_int8(model_dir / KERAS_FILE, splits.x_train[rows], output)
    verdict = judge(
        onnx_predict(card.model_path, splits.x_test), predict(output, splits.x_test), splits.y_test
    )
    entry = {
        "format": "full-integer int8 (TFLITE_BUILTINS_INT8), float input and output",
        "calibration_images": len(rows),
        "test_images": verdict.test_images,
        "top1_agreement": verdict.top1_agreement,
        "float_accuracy": verdict.float_accuracy,
        "int8_accuracy": verdict.int8_accuracy,
        "accuracy_loss_points": verdict.accuracy_loss_points,
        "passes_the_gate": verdict.kept,
        "measured_on": cpu_description(),
    }
    (model_dir / LITERT_INT8_CARD).write_text(json.dumps(entry, indent=2) + "\n")
    return entry


def add_int8s(output: Path, data_dir: Path) -> None:
    """onnxruntime's int8 through scripts/quantize.py (the card; a refused graph is kept
    aside for the benchmark to measure), then LiteRT's."""
    refused = output / REFUSED_INT8_FILE
    refused.unlink(missing_ok=True)
    quantize = [sys.executable, str(ROOT / "scripts" / "quantize.py"), str(output)]
    quantize += ["--data-dir", str(data_dir), "--keep-refused", str(refused)]
    subprocess.run(quantize, check=True)
    entry = litert_int8(output, data_dir)
    print(
        f"LiteRT int8: top-1 agreement {entry['top1_agreement']:.2%} with onnxruntime float, "
        f"{entry['accuracy_loss_points']:+.1f} points"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="folder-per-class photos")
    parser.add_argument("--models", nargs="+", choices=PHOTO_MODELS, default=list(PHOTO_MODELS))
    parser.add_argument(
        "--int8-only",
        action="store_true",
        help="keep the trained model; redo onnxruntime's and LiteRT's int8 only",
    )
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"error: {args.data_dir} is not a directory of class folders", file=sys.stderr)
        return 2
    for name in args.models:
        if not args.int8_only:
            train(name, args.data_dir, MODELS_DIR / name)
        add_int8s(MODELS_DIR / name, args.data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

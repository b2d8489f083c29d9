"""Static int8 (QDQ, S8S8, per-channel) quantisation of a model directory, kept only if it holds.

`python scripts/quantize.py MODEL_DIR --data-dir PHOTOS`: runs `quant_pre_process`, calibrates
on training images, then compares the int8 graph with the float one on the test split. It
writes `model.int8.onnx` and records both figures in the card only when top-1 agreement is at
least 99 % and the accuracy loss at most 0.5 points; a refusal is recorded with its measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from image_classifier.engine import INPUT_NAME, OUTPUT_NAME
from image_classifier.model_card import METADATA_FILE, ModelCard
from image_classifier.preprocessing import InputSpec, preprocess

INT8_FILE = "model.int8.onnx"
MIN_AGREEMENT = 0.99
MAX_ACCURACY_LOSS = 0.005
CALIBRATION_IMAGES = 200
SPLIT_RULE = "the trainer's: classifier_training.data.split_indices over folder_source, by seed"


@dataclass
class PhotoSplits:
    """uint8 pixels (N, H, W, C) of the training and test images, with class indices."""

    labels: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    rule: str = SPLIT_RULE


def load_photo_splits(root: Path, spec: InputSpec, seed: int) -> PhotoSplits:
    """The trainer's own split of the folder, decoded through the shared preprocessing."""
    from classifier_training.data import folder_source, split_indices

    source = folder_source(root)
    rows = np.arange(len(source))
    splits = split_indices(rows, source.targets, seed)

    def decode(indices: np.ndarray) -> np.ndarray:
        return np.stack(
            [preprocess(Path(source.items[i]).read_bytes(), spec).astype(np.uint8) for i in indices]
        )

    return PhotoSplits(
        source.labels,
        decode(splits.train),
        source.targets[splits.train],
        decode(splits.test),
        source.targets[splits.test],
    )


class _Calibration:
    """onnxruntime's CalibrationDataReader protocol over a few hundred training images."""

    def __init__(self, images: np.ndarray, batch: int = 8) -> None:
        self._batches: Iterator[np.ndarray] = iter(
            [images[i : i + batch].astype(np.float32) for i in range(0, len(images), batch)]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {INPUT_NAME: batch}

    def rewind(self) -> None:  # pragma: no cover - not used by MinMax calibration
        raise NotImplementedError


def quantize(model_path: Path, calibration: np.ndarray, output: Path) -> None:
    """quant_pre_process, then static QDQ with S8 activations and S8 per-channel weights."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(model_path), str(prepared))
        quantize_static(
            str(prepared),
            str(output),
            _Calibration(calibration),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
        )


def predict(model_path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    return np.concatenate(
        [
            session.run([OUTPUT_NAME], {INPUT_NAME: x[i : i + 32].astype(np.float32)})[0]
            for i in range(0, len(x), 32)
        ]
    )


def single_image_ms(model_paths: list[Path], image: np.ndarray, rounds: int = 20) -> list[float]:
    """Median one-thread `session.run` per graph, interleaved so load hits both alike."""
    import time

    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sessions = [
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        for path in model_paths
    ]
    feed = {INPUT_NAME: image[None].astype(np.float32)}
    samples: list[list[float]] = [[] for _ in sessions]
    for _ in range(rounds):
        for session, times in zip(sessions, samples, strict=True):
            for _ in range(5):
                begin = time.perf_counter()
                session.run([OUTPUT_NAME], feed)
                times.append(time.perf_counter() - begin)
    return [float(np.median(times)) * 1000 for times in samples]


def evaluate(model_dir: Path, data_dir: Path) -> dict:
    """Quantise, compare on the test split, keep or refuse; returns the card's `int8` entry."""
    card = ModelCard.load(model_dir)
    seed = int(card.metadata.get("training", {}).get("seed", 42))
    splits = load_photo_splits(data_dir, card.spec, seed)
    if splits.labels != card.labels:
        raise ValueError(f"{data_dir}: classes {splits.labels} differ from the card's")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(splits.x_train), min(CALIBRATION_IMAGES, len(splits.x_train)), False)
    candidate = model_dir / INT8_FILE
    quantize(card.model_path, splits.x_train[pick], candidate)
    float_probs = predict(card.model_path, splits.x_test)
    int8_probs = predict(candidate, splits.x_test)
    float_accuracy = float(np.mean(float_probs.argmax(1) == splits.y_test))
    int8_accuracy = float(np.mean(int8_probs.argmax(1) == splits.y_test))
    agreement = float(np.mean(float_probs.argmax(1) == int8_probs.argmax(1)))
    loss = float_accuracy - int8_accuracy
    kept = agreement >= MIN_AGREEMENT and loss <= MAX_ACCURACY_LOSS
    float_ms, int8_ms = single_image_ms([card.model_path, candidate], splits.x_test[0])
    entry = {
        "kept": kept,
        "file": INT8_FILE if kept else None,
        "format": "QDQ, S8S8, per-channel, MinMax calibration",
        "calibration_images": len(pick),
        "test_images": len(splits.y_test),
        "top1_agreement": agreement,
        "float_accuracy": float_accuracy,
        "int8_accuracy": int8_accuracy,
        "accuracy_loss_points": 100 * loss,
        # Where quantize.py ran, which may be busy: only the ratio means much.
        "single_image_ms": {"float": float_ms, "int8": int8_ms},
        "rule": f"kept if agreement >= {MIN_AGREEMENT:.0%} and loss <= "
        f"{100 * MAX_ACCURACY_LOSS:.1f} points",
    }
    if kept:
        entry["sha256"] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    else:
        candidate.unlink()
    metadata = json.loads((model_dir / METADATA_FILE).read_text())
    metadata["int8"] = entry
    (model_dir / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path, help="holds model.onnx and its card")
    parser.add_argument("--data-dir", type=Path, required=True, help="the photos it was trained on")
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"error: {args.data_dir} is not a directory of class folders", file=sys.stderr)
        return 2
    entry = evaluate(args.model_dir, args.data_dir)
    verdict = "kept" if entry["kept"] else "refused"
    print(
        f"int8 {verdict}: top-1 agreement {entry['top1_agreement']:.2%}, accuracy "
        f"{entry['float_accuracy']:.3f} -> {entry['int8_accuracy']:.3f} "
        f"({entry['accuracy_loss_points']:+.1f} points lost); one image "
        f"{entry['single_image_ms']['float']:.2f} ms float, "
        f"{entry['single_image_ms']['int8']:.2f} ms int8"
    )
    return 0

"""Static int8 (QDQ, per-channel S8 weights) beside a model folder's float graph, kept if it holds.

`python scripts/quantize.py MODEL_DIR --data-dir PHOTOS`: `quant_pre_process`, calibration on
the trainer's training images, then the int8 graph against the float one on the test split.
It writes model.int8.onnx and names it in the card's `serving.graph` only when top-1 agreement
is at least 99 % and the accuracy loss at most 0.5 points; the float graph always stays, and
serving loads int8 only on CPUs with int8 dot products (image_classifier.graph_choice). A
refusal is recorded with its measurement, and serving keeps model.onnx.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from image_classifier.engine import INPUT_NAME, OUTPUT_NAME
from image_classifier.graph_choice import FAST_INT8_FLAGS, cpu_flags
from image_classifier.model_card import INT8_FILE, MODEL_FILE, ModelCard
from image_classifier.model_folder import rewrite_card
from image_classifier.preprocessing import InputSpec, preprocess

MIN_AGREEMENT = 0.99
MAX_ACCURACY_LOSS = 0.005
CALIBRATION_BATCH = 4
CALIBRATION_IMAGES = 200
# U8 activations, S8 per-channel weights: the operand types of VNNI's dot product (vpdpbusd).
FORMAT = "QDQ, U8 activations, S8 per-channel weights, MinMax calibration"
SPLIT_RULE = "the trainer's: classifier_training.data.split_indices over folder_source, by seed"
# The CPU flags worth recording beside a speed figure: what int8 and float kernels use.
REPORTED_FLAGS = ("avx2", "avx512f", *sorted(FAST_INT8_FLAGS))


@dataclass
class PhotoSplits:
    """uint8 pixels (N, H, W, C) of the training and test images, with class indices."""

    labels: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    rule: str = SPLIT_RULE


@dataclass(frozen=True)
class Verdict:
    """int8 against float on the same test images, and whether the gate keeps it."""

    test_images: int
    top1_agreement: float
    float_accuracy: float
    int8_accuracy: float

    @property
    def accuracy_loss_points(self) -> float:
        return 100 * (self.float_accuracy - self.int8_accuracy)

    @property
    def kept(self) -> bool:
        return (
            self.top1_agreement >= MIN_AGREEMENT
            and self.accuracy_loss_points <= 100 * MAX_ACCURACY_LOSS + 1e-9
        )


def judge(float_probs: np.ndarray, int8_probs: np.ndarray, targets: np.ndarray) -> Verdict:
    """The gate's figures from both graphs' probabilities on the test split."""
    float_top, int8_top = float_probs.argmax(1), int8_probs.argmax(1)
    return Verdict(
        len(targets),
        float(np.mean(float_top == int8_top)),
        float(np.mean(float_top == targets)),
        float(np.mean(int8_top == targets)),
    )


def cpu_description() -> str:
    """The CPU model and the flags that decide int8's speed, for figures taken on it."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    flags = cpu_flags()
    present = [flag for flag in REPORTED_FLAGS if flag in flags]
    return f"{model} ({', '.join(present) or 'none of ' + ', '.join(REPORTED_FLAGS)})"


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


def calibration_rows(n_train: int, seed: int) -> np.ndarray:
    """Which training images calibrate: the same ones for onnxruntime and for LiteRT's int8."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_train, min(CALIBRATION_IMAGES, n_train), replace=False))


class _Calibration:
    """onnxruntime's CalibrationDataReader protocol over a few hundred training images."""

    def __init__(self, images: np.ndarray, batch: int = CALIBRATION_BATCH) -> None:
        self._batches: Iterator[np.ndarray] = iter(
            [images[i : i + batch].astype(np.float32) for i in range(0, len(images), batch)]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {INPUT_NAME: batch}

    def rewind(self) -> None:  # pragma: no cover - not used by MinMax calibration
        raise NotImplementedError


def _reduce_every(images: int, batch: int = CALIBRATION_BATCH) -> int:
    """Batches between range reductions, never a divisor of the batch count: onnxruntime's
    MinMax calibrator fails with "No data is collected" when the last reduction leaves none."""
    batches = -(-images // batch)
    return next(k for k in range(2, 12) if batches % k)


def quantize(model_path: Path, calibration: np.ndarray, output: Path) -> None:
    """quant_pre_process, then static QDQ: U8 activations, S8 per-channel weights, MinMax."""
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
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
            # Reduce ranges every few batches: a 224x224 network's activations for 200 images
            # would otherwise all be held at once (gigabytes).
            extra_options={"CalibMaxIntermediateOutputs": _reduce_every(len(calibration))},
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
    import onnxruntime as ort

    from image_classifier.engine import session_options

    sessions = [
        ort.InferenceSession(str(path), session_options(1), providers=["CPUExecutionProvider"])
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


def serving_section(verdict: Verdict) -> dict[str, Any]:
    """The card's `serving`: the graph serving loads by default, and why (its sha256 is int8's)."""
    figures = (
        f"{verdict.top1_agreement:.1%} top-1 agreement with float, "
        f"{verdict.accuracy_loss_points:+.1f} points of accuracy lost on "
        f"{verdict.test_images} test images (kept at >= {MIN_AGREEMENT:.0%} and <= "
        f"{100 * MAX_ACCURACY_LOSS:.1f} points)"
    )
    if not verdict.kept:
        return {"graph": MODEL_FILE, "why": f"int8 refused: {figures}"}
    return {
        "graph": INT8_FILE,
        "why": (
            f"int8 kept: {figures}. Loaded where the CPU has "
            f"{', '.join(sorted(FAST_INT8_FLAGS))} (int8 dot products); elsewhere, or with "
            f"MODEL_PRECISION=float, serving loads {MODEL_FILE}, which stays beside it."
        ),
    }


def add_int8(
    model_dir: Path,
    calibration: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    keep_refused: Path | None = None,
) -> dict[str, Any]:
    """Quantise the folder's float graph, judge it, keep or refuse; returns the card's `int8`.

    A refused graph is deleted, or moved to `keep_refused` (the benchmark measures it; the
    card never names it, so serving never loads it)."""
    card = ModelCard.load(model_dir)
    candidate = model_dir / INT8_FILE
    quantize(card.model_path, calibration, candidate)
    verdict = judge(predict(card.model_path, x_test), predict(candidate, x_test), y_test)
    float_ms, int8_ms = single_image_ms([card.model_path, candidate], x_test[0])
    entry: dict[str, Any] = {
        "kept": verdict.kept,
        "file": INT8_FILE if verdict.kept else None,
        "format": FORMAT,
        "calibration_images": len(calibration),
        "test_images": verdict.test_images,
        "top1_agreement": verdict.top1_agreement,
        "float_accuracy": verdict.float_accuracy,
        "int8_accuracy": verdict.int8_accuracy,
        "accuracy_loss_points": verdict.accuracy_loss_points,
        # Where quantize.py ran, which may be busy: only the ratio means much.
        "single_image_ms": {"float": float_ms, "int8": int8_ms},
        "measured_on": cpu_description(),
        "rule": f"kept if agreement >= {MIN_AGREEMENT:.0%} and loss <= "
        f"{100 * MAX_ACCURACY_LOSS:.1f} points",
    }
    if verdict.kept:
        entry["sha256"] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    elif keep_refused is not None:
        candidate.replace(keep_refused)
    else:
        candidate.unlink()
    rewrite_card(model_dir, {"int8": entry, "serving": serving_section(verdict)})
    return entry


def evaluate(model_dir: Path, data_dir: Path, keep_refused: Path | None = None) -> dict[str, Any]:
    """add_int8 on the trainer's split of `data_dir`, calibrated on its training images."""
    card = ModelCard.load(model_dir)
    seed = int(card.metadata.get("training", {}).get("seed", 42))
    splits = load_photo_splits(data_dir, card.spec, seed)
    if splits.labels != card.labels:
        raise ValueError(f"{data_dir}: classes {splits.labels} differ from the card's")
    calibration = splits.x_train[calibration_rows(len(splits.x_train), seed)]
    return add_int8(model_dir, calibration, splits.x_test, splits.y_test, keep_refused)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path, help="holds model.onnx and its card")
    parser.add_argument("--data-dir", type=Path, required=True, help="the photos it was trained on")
    parser.add_argument(
        "--keep-refused", type=Path, help="move a refused int8 graph here instead of deleting it"
    )
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"error: {args.data_dir} is not a directory of class folders", file=sys.stderr)
        return 2
    entry = evaluate(args.model_dir, args.data_dir, args.keep_refused)
    verdict = "kept" if entry["kept"] else "refused"
    print(
        f"int8 {verdict}: top-1 agreement {entry['top1_agreement']:.2%}, accuracy "
        f"{entry['float_accuracy']:.3f} -> {entry['int8_accuracy']:.3f} "
        f"({entry['accuracy_loss_points']:+.1f} points lost); one image "
        f"{entry['single_image_ms']['float']:.2f} ms float, "
        f"{entry['single_image_ms']['int8']:.2f} ms int8 on {entry['measured_on']}"
    )
    return 0

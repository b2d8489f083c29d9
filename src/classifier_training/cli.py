"""Train the CNN, check it against baselines, export it to ONNX, verify parity, write model/.

Run with no arguments to train on scikit-learn's bundled handwritten digits, or point
--data-dir at a folder with one sub-folder of images per class.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from classifier_training.artifacts import check_writable, write_atomically
from classifier_training.data import Dataset, load_digits_dataset, load_folder_dataset, split
from classifier_training.errors import ParityError, TrainingInputError
from image_classifier.preprocessing import RESAMPLING, InputSpec

# The checkout this package sits in: model/ is the default output, git names the commit.
ROOT = Path(__file__).resolve().parents[2]

STEPS = ("load", "split", "baseline", "train", "evaluate", "export", "verify", "write")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="folder-per-class image dataset")
    parser.add_argument("--output", type=Path, default=ROOT / "model", help="default: model/")
    parser.add_argument(
        "--epochs", type=int, default=100, help="upper bound; early stopping ends sooner"
    )
    parser.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="square input side (default: 8 for digits, 64 for --data-dir)",
    )
    parser.add_argument(
        "--color-mode",
        choices=["L", "RGB"],
        default=None,
        help="default: L for digits, RGB for --data-dir",
    )
    parser.add_argument("--resize", choices=sorted(RESAMPLING), default="bilinear")
    parser.add_argument(
        "--background",
        type=int,
        default=0,
        help="grey level that transparent pixels are composited onto",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--patience", type=int, default=12, help="early-stopping patience")
    parser.add_argument("--filters", type=int, default=32, help="filters in the first conv block")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N images")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--name", default=None, help="model name (default from the dataset)")
    parser.add_argument("--model-version", default="1.0.0")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.filters < 1:
        parser.error("--epochs, --batch-size and --filters must be positive")
    if args.image_size is not None and args.image_size < 2:
        parser.error("--image-size must be at least 2")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be positive")
    return args


def step(number: int, message: str) -> None:
    print(f"[{number}/{len(STEPS)}] {STEPS[number - 1]}: {message}", flush=True)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load(args: argparse.Namespace) -> tuple[Dataset, InputSpec]:
    folder = args.data_dir is not None
    size = args.image_size or (64 if folder else 8)
    mode = args.color_mode or ("RGB" if folder else "L")
    spec = InputSpec(
        height=size, width=size, color_mode=mode, resize=args.resize, background=args.background
    )
    dataset = load_folder_dataset(args.data_dir, spec) if folder else load_digits_dataset(spec)
    if args.limit:
        dataset.x, dataset.y = dataset.x[: args.limit], dataset.y[: args.limit]
    return dataset, spec


def run(args: argparse.Namespace) -> dict:
    check_writable(args.output)
    started = time.perf_counter()
    step(1, f"reading {args.data_dir or 'scikit-learn digits'}")
    dataset, spec = load(args)
    print(
        f"    {len(dataset.y)} images, {len(dataset.labels)} classes, "
        f"{dataset.skipped} skipped, input {spec.shape}"
    )

    step(2, f"stratified train/validation/test split, seed {args.seed}")
    try:
        splits = split(dataset, args.seed)
    except ValueError as exc:
        raise TrainingInputError(f"cannot split the dataset: {exc}") from exc
    print(f"    {splits.sizes()}")

    from classifier_training.baselines import baseline_accuracies

    step(3, "majority class and logistic regression")
    baselines = baseline_accuracies(splits, args.seed)
    print(f"    {baselines}")

    import keras
    import numpy as np
    import onnx
    import onnxruntime
    import tensorflow as tf
    import tf2onnx
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from classifier_training.cnn import build_cnn, set_seed, train_cnn
    from classifier_training.export import OPSET, check_parity, to_onnx
    from classifier_training.report import write_report

    step(4, f"Keras CNN, up to {args.epochs} epochs, early stopping on validation loss")
    set_seed(args.seed)
    model = build_cnn(spec, len(dataset.labels), args.filters)
    history = train_cnn(model, splits, args.epochs, args.batch_size, args.patience)

    step(5, "held-out test set")
    predicted = model.predict(splits.x_test, verbose=0).argmax(1)
    test_accuracy = float(np.mean(predicted == splits.y_test))
    classes = list(range(len(dataset.labels)))
    precision, recall, _, support = precision_recall_fscore_support(
        splits.y_test, predicted, labels=classes, zero_division=0
    )
    best_baseline = max(baselines.values())
    print(f"    CNN {test_accuracy:.4f} against best baseline {best_baseline:.4f}")

    step(6, f"tf2onnx, opset {OPSET}")
    onnx_model = to_onnx(model)
    print(f"    {len(onnx_model)} bytes")

    step(7, "ONNX Runtime against Keras on the whole test set")
    parity = check_parity(model, onnx_model, splits.x_test)
    print(
        f"    max abs diff {parity.max_abs_diff:.2e}, top-1 agreement {parity.top1_agreement:.2%}"
    )

    metadata = {
        "name": args.name or f"{dataset.name}-cnn",
        "version": args.model_version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "input": spec.to_dict(),
        "labels": dataset.labels,
        "dataset": {
            "name": dataset.name,
            "content_hash": dataset.content_hash,
            "images": len(dataset.y),
            "skipped_files": dataset.skipped,
            "splits": splits.sizes(),
        },
        "hyperparameters": {
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "patience": args.patience,
            "filters": args.filters,
            "optimizer": "adam",
            "learning_rate": 1e-3,
            "seed": args.seed,
            "limit": args.limit,
        },
        "metrics": {
            "test_accuracy": test_accuracy,
            "baseline_accuracy": best_baseline,
            "baselines": baselines,
            "epochs_run": len(history.history["loss"]),
            "per_class": {
                label: {
                    "precision": float(precision[i]),
                    "recall": float(recall[i]),
                    "support": int(support[i]),
                }
                for i, label in enumerate(dataset.labels)
            },
        },
        "parity": parity.to_dict(),
        "frameworks": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
            "opset": OPSET,
        },
        "model_sha256": hashlib.sha256(onnx_model).hexdigest(),
    }

    def build(directory: Path) -> None:
        (directory / "model.onnx").write_bytes(onnx_model)
        (directory / "labels.json").write_text(json.dumps(dataset.labels) + "\n")
        (directory / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        model.save(directory / "model.keras")
        write_report(
            directory / "report",
            history.history,
            confusion_matrix(splits.y_test, predicted, labels=classes),
            metadata,
        )

    step(8, f"{args.output} (atomically)")
    write_atomically(args.output, build)
    print(
        f"done in {time.perf_counter() - started:.1f} s: test accuracy {test_accuracy:.4f}, "
        f"baseline {best_baseline:.4f}, parity {parity.max_abs_diff:.1e}"
    )
    return metadata


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except TrainingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ParityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

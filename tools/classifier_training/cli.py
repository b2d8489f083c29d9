"""Train a classifier, check it against baselines, export it to ONNX, verify parity, write model/.

Run with no arguments to train the CNN on scikit-learn's bundled handwritten digits, or point
--data-dir at a folder with one sub-folder of images per class (photos: 160x160 RGB,
augmented). --backbone picks the network; --weights where a pretrained one starts from.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from classifier_training.augment import FLIPS
from classifier_training.backbones import BACKBONES
from classifier_training.errors import exit_code
from classifier_training.pipeline import STEPS, TrainingOutcome, run
from classifier_training.plan import make_plan
from image_classifier.preprocessing import RESAMPLING

ROOT = Path(__file__).resolve().parents[2]  # model/ of this checkout is the default output

__all__ = ["STEPS", "main", "parse_args"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    data = parser.add_argument_group("data")
    data.add_argument("--data-dir", type=Path, help="folder-per-class image dataset")
    data.add_argument(
        "--extra-data-dir",
        type=Path,
        action="append",
        help="another folder-per-class dataset added to --data-dir (e.g. a sorted review/ "
        "queue from scripts/review_queue.py); repeatable",
    )
    data.add_argument(
        "--drop-label-issues",
        action="store_true",
        help="leave out the photos the audit suspects are mislabelled (default: keep, report)",
    )
    data.add_argument("--output", type=Path, default=ROOT / "model", help="default: model/")
    data.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="square input side (default: 160 for --data-dir; 8 for the digits, 32 with a "
        "keras.applications backbone)",
    )
    data.add_argument(
        "--color-mode",
        choices=["L", "RGB"],
        default=None,
        help="default: RGB for --data-dir and pretrained backbones, L for the digits CNN",
    )
    data.add_argument("--resize", choices=sorted(RESAMPLING), default="bilinear")
    data.add_argument(
        "--background", type=int, default=0, help="grey level transparent pixels land on"
    )
    data.add_argument("--limit", type=int, default=None, help="use N images (a seeded sample)")
    data.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="decoded-image cache (default: $CLASSIFIER_CACHE_DIR or ~/.cache/classifier-training)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--backbone",
        default=None,
        help=f"one of {', '.join(BACKBONES)} (default: efficientnet_lite0 for --data-dir, cnn "
        "for the digits)",
    )
    model.add_argument(
        "--weights",
        default=None,
        help="imagenet, none (random), or a file: a legacy .pth state dict for efficientnet_lite*, "
        "a no-top .h5 for the keras.applications backbones (default: imagenet for "
        "efficientnet_lite*, else none)",
    )
    model.add_argument("--filters", type=int, default=32, help="CNN: filters in the first block")

    fit = parser.add_argument_group("training")
    fit.add_argument(
        "--epochs", type=int, default=100, help="upper bound; early stopping ends sooner"
    )
    fit.add_argument("--batch-size", type=int, default=32)
    fit.add_argument("--patience", type=int, default=12, help="early-stopping patience")
    fit.add_argument("--learning-rate", type=float, default=1e-3)
    fit.add_argument(
        "--lr-schedule",
        choices=["plateau", "cosine"],
        default=None,
        help="phase 1: warm-up then cosine decay (default for --data-dir), or halve on plateau",
    )
    fit.add_argument("--label-smoothing", type=float, default=None, help="0.1 for --data-dir")
    fit.add_argument("--weight-decay", type=float, default=None, help="AdamW; 1e-4 for --data-dir")
    fit.add_argument(
        "--fine-tune",
        type=int,
        default=0,
        help="phase 2: unfreeze the backbone's top N layers (efficientnet_lite*: top N blocks; "
        "0 means every block above the cached activations)",
    )
    fit.add_argument(
        "--fine-tune-epochs",
        type=int,
        default=None,
        help="default: 6 for efficientnet_lite* (0 skips phase 2), else --epochs",
    )
    fit.add_argument(
        "--fine-tune-learning-rate",
        type=float,
        default=None,
        help="3e-4 for efficientnet_lite*, else 1e-5",
    )
    fit.add_argument("--seed", type=int, default=42)

    aug = parser.add_argument_group("augmentation (training only; default on for --data-dir)")
    aug.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None)
    aug.add_argument("--flip", choices=FLIPS, default="horizontal")
    aug.add_argument("--rotation", type=float, default=0.1, help="fraction of a turn; 0: off")
    aug.add_argument("--zoom", type=float, default=0.2, help="0: off")
    aug.add_argument("--translation", type=float, default=0.1, help="0: off")
    aug.add_argument("--contrast", type=float, default=0.2, help="0: off")

    model.add_argument(
        "--int8",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also write a static int8 graph, kept only within 99%% top-1 agreement and 0.5 "
        "points of accuracy (default: on for --data-dir)",
    )

    card = parser.add_argument_group("model card")
    card.add_argument("--name", default=None, help="default: <dataset>-<backbone>")
    card.add_argument("--model-version", default="1.0.0")

    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.filters < 1 or args.patience < 1:
        parser.error("--epochs, --batch-size, --filters and --patience must be positive")
    if args.image_size is not None and args.image_size < 2:
        parser.error("--image-size must be at least 2")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be positive")
    if args.fine_tune < 0 or (args.fine_tune_epochs is not None and args.fine_tune_epochs < 0):
        parser.error("--fine-tune and --fine-tune-epochs must be 0 or more")
    if args.learning_rate <= 0 or (args.fine_tune_learning_rate or 1) <= 0:
        parser.error("learning rates must be positive")
    if not 0 <= (args.label_smoothing or 0) < 1 or (args.weight_decay or 0) < 0:
        parser.error("--label-smoothing must be in [0, 1) and --weight-decay not negative")
    return args


def train(args: argparse.Namespace) -> TrainingOutcome:
    return run(make_plan(args))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return exit_code(lambda: train(args))


if __name__ == "__main__":
    sys.exit(main())

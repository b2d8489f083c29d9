"""Turn the command line into a checked plan, before TensorFlow loads or any image is decoded.

Every refusal here is a TrainingInputError (exit code 2) raised before anything is written.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from classifier_training.augment import Augmentation
from classifier_training.backbones import Backbone, get_backbone
from classifier_training.errors import TrainingInputError
from classifier_training.weights import WeightsSource, check_weights_option
from image_classifier.preprocessing import InputSpec

DIGITS_SIZE = 8
PHOTO_SIZE = 160
# The from-scratch photo recipe (measured on the flowers): label smoothing and AdamW decay.
PHOTO_LABEL_SMOOTHING = 0.1
PHOTO_WEIGHT_DECAY = 1e-4


@dataclass
class Schedule:
    """How long and how fast each phase trains."""

    epochs: int
    patience: int
    learning_rate: float
    fine_tune: int = 0
    fine_tune_epochs: int = 0
    fine_tune_learning_rate: float = 1e-5
    class_weight: dict[int, float] | None = None
    cosine: bool = False  # warm-up then cosine decay, else halve on a validation plateau
    label_smoothing: float = 0.0
    weight_decay: float = 0.0


@dataclass
class Plan:
    data_dir: Path | None
    output: Path
    spec: InputSpec
    backbone: Backbone
    weights: WeightsSource | None  # None: imagenet, fetched in the prepare step
    augmentation: Augmentation
    schedule: Schedule
    batch_size: int
    filters: int
    seed: int
    limit: int | None
    name: str | None
    version: str
    cache_dir: Path | None
    notes: list[str]


def make_plan(args: argparse.Namespace) -> Plan:
    backbone = get_backbone(args.backbone)
    photos = args.data_dir is not None
    notes: list[str] = []
    size = args.image_size or (PHOTO_SIZE if photos else max(DIGITS_SIZE, backbone.min_size))
    mode = args.color_mode or ("RGB" if photos or backbone.pretrainable else "L")
    if mode == "L" and backbone.pretrainable:
        notes.append(f"backbone {backbone.name} takes RGB: greyscale input is converted to RGB")
        mode = "RGB"
    backbone.check_size(size, args.weights)
    weights = check_weights_option(args.weights, backbone, size)
    if args.fine_tune and (weights is not None and not weights.pretrained):
        raise TrainingInputError(
            "--fine-tune needs pretrained weights (--weights imagenet or PATH): with --weights "
            "none the whole network trains from the start"
        )
    try:
        augmentation = Augmentation(
            enabled=photos if args.augment is None else args.augment,
            flip=args.flip,
            rotation=args.rotation,
            zoom=args.zoom,
            translation=args.translation,
            contrast=args.contrast,
        )
    except ValueError as exc:
        raise TrainingInputError(str(exc)) from exc
    schedule = Schedule(
        epochs=args.epochs,
        patience=args.patience,
        learning_rate=args.learning_rate,
        fine_tune=args.fine_tune,
        fine_tune_epochs=args.fine_tune_epochs or 0,
        fine_tune_learning_rate=args.fine_tune_learning_rate,
        cosine=(args.lr_schedule or ("cosine" if photos else "plateau")) == "cosine",
        label_smoothing=args.label_smoothing
        if args.label_smoothing is not None
        else (PHOTO_LABEL_SMOOTHING if photos else 0.0),
        weight_decay=args.weight_decay
        if args.weight_decay is not None
        else (PHOTO_WEIGHT_DECAY if photos else 0.0),
    )
    spec = InputSpec(
        height=size, width=size, color_mode=mode, resize=args.resize, background=args.background
    )
    return Plan(
        data_dir=args.data_dir,
        output=args.output,
        spec=spec,
        backbone=backbone,
        weights=weights,
        augmentation=augmentation,
        schedule=schedule,
        batch_size=args.batch_size,
        filters=args.filters,
        seed=args.seed,
        limit=args.limit,
        name=args.name,
        version=args.model_version,
        cache_dir=args.cache_dir,
        notes=notes,
    )

"""Turn the command line into a checked plan, before TensorFlow loads or any image is decoded.

Every refusal here is a TrainingInputError (exit code 2) raised before anything is written.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from classifier_training.augment import Augmentation
from classifier_training.backbones import Backbone, get_backbone
from classifier_training.convert_efficientnet_lite import Converted
from classifier_training.errors import TrainingInputError
from classifier_training.lite_architecture import CONFIGS, block_specs, cached_block
from classifier_training.weights import WeightsSource, check_weights_option
from image_classifier.preprocessing import InputSpec

DIGITS_SIZE = 8
PHOTO_SIZE = 160
# The from-scratch photo recipe (measured on the flowers): label smoothing and AdamW decay.
PHOTO_LABEL_SMOOTHING = 0.1
PHOTO_WEIGHT_DECAY = 1e-4
PHOTO_BACKBONE = "efficientnet_lite0"
DIGITS_BACKBONE = "cnn"
# The pretrained EfficientNet-Lite recipe's second phase (see classifier_training.transfer).
LITE_FINE_TUNE_EPOCHS = 6
LITE_FINE_TUNE_LEARNING_RATE = 3e-4
FINE_TUNE_LEARNING_RATE = 1e-5


@dataclass
class Schedule:
    """How long and how fast each phase trains."""

    epochs: int
    patience: int
    learning_rate: float
    fine_tune: int = 0
    fine_tune_epochs: int = 0
    fine_tune_learning_rate: float = FINE_TUNE_LEARNING_RATE
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
    converted: Converted | None  # a torch state dict's arrays, for the EfficientNet-Lite recipe
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
    int8: bool = False  # also write a static int8 graph, kept where it holds
    extra_data_dirs: list[Path] = field(default_factory=list)  # sorted review queues
    drop_label_issues: bool = False


def make_plan(args: argparse.Namespace) -> Plan:
    photos = args.data_dir is not None
    if args.extra_data_dir and not photos:
        raise TrainingInputError("--extra-data-dir adds to --data-dir: give --data-dir too")
    backbone = get_backbone(args.backbone or (PHOTO_BACKBONE if photos else DIGITS_BACKBONE))
    lite = backbone.torch_weights is not None
    weights_option = args.weights or ("imagenet" if lite else "none")
    notes: list[str] = []
    if photos:
        default_size = backbone.native_size or PHOTO_SIZE
    else:
        default_size = max(DIGITS_SIZE, backbone.min_size)
    size = args.image_size or default_size
    mode = args.color_mode or ("RGB" if photos or backbone.pretrainable else "L")
    if mode == "L" and backbone.pretrainable:
        notes.append(f"backbone {backbone.name} takes RGB: greyscale input is converted to RGB")
        mode = "RGB"
    notes += backbone.check_size(size, weights_option)
    converted: Converted | None = None
    weights: WeightsSource | None
    if lite and weights_option != "none":
        from classifier_training.torch_weights import resolve

        weights, converted = resolve(weights_option, backbone)
        _check_lite_fine_tune(backbone, args.fine_tune)
    elif lite:
        raise TrainingInputError(
            f"backbone {backbone.name} is for transfer learning: use --weights imagenet (the "
            "default) or a .pth file; to train from scratch use --backbone cnn --weights none"
        )
    else:
        weights = check_weights_option(weights_option, backbone, size)
    if args.fine_tune and (weights is not None and not weights.pretrained):
        raise TrainingInputError(
            "--fine-tune needs pretrained weights (--weights imagenet or PATH): with --weights "
            "none the whole network trains from the start"
        )
    if converted is not None:
        fine_tune_epochs = (
            LITE_FINE_TUNE_EPOCHS if args.fine_tune_epochs is None else args.fine_tune_epochs
        )
        fine_tune_rate = args.fine_tune_learning_rate or LITE_FINE_TUNE_LEARNING_RATE
    else:
        fine_tune_epochs = args.fine_tune_epochs or 0
        fine_tune_rate = args.fine_tune_learning_rate or FINE_TUNE_LEARNING_RATE
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
        fine_tune_epochs=fine_tune_epochs,
        fine_tune_learning_rate=fine_tune_rate,
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
        converted=converted,
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
        extra_data_dirs=list(args.extra_data_dir or []),
        drop_label_issues=args.drop_label_issues,
        int8=photos if args.int8 is None else args.int8,
    )


def _check_lite_fine_tune(backbone: Backbone, blocks: int) -> None:
    """`--fine-tune N` counts EfficientNet-Lite blocks from the top, above the cached ones."""
    specs = block_specs(CONFIGS[backbone.name])
    available = len(specs) - 1 - cached_block(specs)
    if blocks > available:
        raise TrainingInputError(
            f"--fine-tune {blocks}: backbone {backbone.name} fine-tunes at most its top "
            f"{available} blocks (those above the cached activations)"
        )

"""The model card (metadata.json): one function builds it from what the pipeline measured."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier_training.augment import Augmentation
from classifier_training.backbones import Backbone
from classifier_training.cache import ImageCache
from classifier_training.data import Source, Splits
from classifier_training.evaluate import Evaluation
from classifier_training.export import OPSET, Parity
from classifier_training.fit import Training
from classifier_training.plan import Schedule
from classifier_training.weights import WeightsSource

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Settings:
    """The choices a run was made with, as the card records them."""

    name: str
    version: str
    backbone: Backbone
    weights: WeightsSource
    schedule: Schedule
    augmentation: Augmentation
    batch_size: int
    filters: int
    seed: int
    limit: int | None


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def frameworks() -> dict[str, Any]:
    import keras
    import onnx
    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    return {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "opset": OPSET,
    }


def build_card(
    settings: Settings,
    source: Source,
    cache: ImageCache,
    splits: Splits,
    baselines: dict[str, float],
    training: Training,
    evaluation: Evaluation,
    parity: Parity,
    onnx_model: bytes,
) -> dict[str, Any]:
    """Everything serving, the report and the monitor read about the model, in one document."""
    schedule = settings.schedule
    return {
        "name": settings.name,
        "version": settings.version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "input": cache.spec.to_dict(),
        "labels": source.labels,
        "backbone": {
            "name": settings.backbone.name,
            "input_scale": settings.backbone.input_scale,
            "weights": settings.weights.to_dict(),
        },
        "dataset": {
            "name": source.name,
            "content_hash": source.content_hash,
            "images": int(cache.ok.sum()),
            "skipped_files": source.skipped + int((~cache.ok).sum()),
            "splits": splits.sizes(),
            "cache_key": cache.key,
        },
        "hyperparameters": {
            "epochs": schedule.epochs,
            "batch_size": settings.batch_size,
            "patience": schedule.patience,
            "filters": settings.filters,
            "optimizer": "adam",
            "learning_rate": schedule.learning_rate,
            "class_weight": (
                {source.labels[k]: round(v, 4) for k, v in schedule.class_weight.items()}
                if schedule.class_weight
                else None
            ),
            "seed": settings.seed,
            "limit": settings.limit,
        },
        "fine_tuning": {
            "layers": schedule.fine_tune,
            "epochs": schedule.fine_tune_epochs or schedule.epochs if schedule.fine_tune else 0,
            "learning_rate": schedule.fine_tune_learning_rate if schedule.fine_tune else None,
            "batchnorm": "inference mode",
        },
        "augmentation": settings.augmentation.to_dict(),
        "training": training.to_dict(),
        "batchnorm_recalibrated_batches": training.recalibrated_batches,
        "metrics": {
            "test_accuracy": evaluation.accuracy,
            "macro_f1": evaluation.macro_f1,
            "baseline_accuracy": max(baselines.values()),
            "baselines": baselines,
            "epochs_run": sum(p.epochs_run for p in training.phases),
            "per_class": evaluation.per_class(),
        },
        "monitoring": evaluation.monitoring(settings.seed),
        "parity": parity.to_dict(),
        "frameworks": frameworks(),
        "model_sha256": hashlib.sha256(onnx_model).hexdigest(),
    }

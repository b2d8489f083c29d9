"""The model card's training sections: one function builds them from what the pipeline ran."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier_training.audit.run import Audit
from classifier_training.backbones import Backbone
from classifier_training.cache import ImageCache
from classifier_training.data import Source, Splits
from classifier_training.evaluate import Evaluation
from classifier_training.export import OPSET, Parity
from classifier_training.fit import Training
from classifier_training.weights import WeightsSource
from image_classifier.model_folder import CardHeader

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunSettings:
    """The choices a run was made with, as the card records them."""

    name: str
    version: str
    backbone: Backbone
    weights: WeightsSource
    batch_size: int
    filters: int
    seed: int
    limit: int | None
    drop_label_issues: bool = False


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
    settings: RunSettings,
    source: Source,
    cache: ImageCache,
    splits: Splits,
    baselines: dict[str, float],
    training: Training,
    evaluation: Evaluation,
    parity: Parity,
    audited: Audit,
) -> tuple[CardHeader, dict[str, Any]]:
    """Everything serving, the report and the monitor read about the model: the header every
    card has, and training's own sections, each built from what ran."""
    header = CardHeader(settings.name, settings.version, source.labels, cache.spec)
    sections = {
        "git_commit": git_commit(),
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
        "training": {
            "seed": settings.seed,
            "batch_size": settings.batch_size,
            "limit": settings.limit,
            "filters": settings.filters if settings.backbone.name == "cnn" else None,
            "class_weight": (
                {source.labels[k]: round(v, 4) for k, v in training.class_weight.items()}
                if training.class_weight
                else None
            ),
            "augmentation": training.augmentation,
            "phases": training.to_dict(),
            "batchnorm_recalibrated_batches": training.recalibrated_batches,
        },
        "metrics": {
            "test_accuracy": evaluation.accuracy,
            "macro_f1": evaluation.macro_f1,
            "baseline_accuracy": max(baselines.values()),
            "baselines": baselines,
            "epochs_run": sum(p.epochs_run for p in training.phases),
            "per_class": evaluation.per_class(),
        },
        "audit": {
            "files": audited.document.files,
            "images": audited.document.images,
            "findings": audited.document.counts(),
            "exact_copies_collapsed": len(audited.collapsed),
            "label_issues_dropped": settings.drop_label_issues,
            "not_checked": sorted(audited.document.skipped_checks),
        },
        "monitoring": evaluation.monitoring(settings.seed),
        "parity": parity.to_dict(),
        "frameworks": frameworks(),
    }
    return header, sections

"""Every setting the function reads, from environment variables, read once at init."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from image_classifier.errors import ConfigurationError
from image_classifier.graph_choice import PRECISIONS
from image_classifier.preprocessing import DEFAULT_MAX_PIXELS

# Lambda gives one vCPU's worth of time per 1769 MB; below two of them extra threads only contend.
MB_PER_VCPU = 1769
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    model_dir: Path
    max_image_bytes: int = 4_500_000
    max_image_pixels: int = DEFAULT_MAX_PIXELS
    max_batch: int = 16
    default_top_k: int = 3
    cors_allow_origin: str = "*"
    results_prefix: str = "results/"
    results_bucket: str | None = None
    ort_intra_op_threads: int = 1
    # auto: the card's int8 graph where the CPU runs int8 fast, else float (graph_choice.py).
    model_precision: str = "auto"
    # Classify S3 objects again even when their result was made by this model from this ETag.
    force_reclassify: bool = False
    # Monitoring: an answer whose top score is below this is flagged "uncertain".
    min_confidence: float = 0.5
    log_level: str = "INFO"
    # The share of invocations logged at DEBUG whatever LOG_LEVEL says (Powertools sampling).
    log_sampling_rate: float = 0.0
    metrics_namespace: str = "ImageClassifier"
    service_name: str = "image-classifier"

    @classmethod
    def from_env(cls, default_model_dir: Path, environ: Mapping[str, str] = os.environ) -> Settings:
        def number(name: str, default: int) -> int:
            raw = environ.get(name)
            if raw in (None, ""):
                return default
            try:
                value = int(raw)
            except ValueError:
                value = 0
            if value < 1:
                raise ConfigurationError(
                    f"environment variable {name}={raw!r}: need a positive integer"
                )
            return value

        def fraction(name: str, default: float) -> float:
            raw = environ.get(name)
            if raw in (None, ""):
                return default
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not 0.0 <= value <= 1.0:
                raise ConfigurationError(f"environment variable {name}={raw!r}: need a number 0-1")
            return value

        defaults = cls(model_dir=default_model_dir)
        # A relative MODEL_DIR is relative to the directory that holds handler.py and model/.
        raw_model_dir = environ.get("MODEL_DIR")
        model_dir = default_model_dir.parent / raw_model_dir if raw_model_dir else default_model_dir
        return cls(
            model_dir=model_dir,
            max_image_bytes=number("MAX_IMAGE_BYTES", defaults.max_image_bytes),
            max_image_pixels=number("MAX_IMAGE_PIXELS", defaults.max_image_pixels),
            max_batch=number("MAX_BATCH", defaults.max_batch),
            default_top_k=number("DEFAULT_TOP_K", defaults.default_top_k),
            cors_allow_origin=environ.get("CORS_ALLOW_ORIGIN", defaults.cors_allow_origin),
            results_prefix=environ.get("RESULTS_PREFIX") or defaults.results_prefix,
            results_bucket=environ.get("RESULTS_BUCKET") or None,
            ort_intra_op_threads=number("ORT_INTRA_OP_THREADS", _threads_for_memory(environ)),
            model_precision=_precision(environ.get("MODEL_PRECISION") or defaults.model_precision),
            force_reclassify=truthy(environ.get("FORCE_RECLASSIFY")),
            min_confidence=fraction("MIN_CONFIDENCE", defaults.min_confidence),
            log_level=_log_level(environ.get("LOG_LEVEL") or defaults.log_level),
            log_sampling_rate=fraction("LOG_SAMPLING_RATE", defaults.log_sampling_rate),
            metrics_namespace=environ.get("METRICS_NAMESPACE") or defaults.metrics_namespace,
            service_name=environ.get("SERVICE_NAME") or defaults.service_name,
        )


def truthy(raw: str | None) -> bool:
    """1, true, yes and on (any case) are true; empty or anything else is false."""
    return (raw or "").strip().lower() in {"1", "true", "yes", "on"}


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigurationError(
            f"environment variable LOG_LEVEL={raw!r}: need one of {LOG_LEVELS}"
        )
    return level


def _precision(raw: str) -> str:
    precision = raw.strip().lower()
    if precision not in PRECISIONS:
        raise ConfigurationError(
            f"environment variable MODEL_PRECISION={raw!r}: need one of {PRECISIONS}"
        )
    return precision


def _threads_for_memory(environ: Mapping[str, str]) -> int:
    """One ONNX Runtime thread unless the function's memory buys two vCPUs."""
    try:
        memory_mb = int(environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 0)
    except ValueError:
        memory_mb = 0
    vcpus = memory_mb // MB_PER_VCPU
    if vcpus < 2:
        return 1
    return max(1, min(vcpus, os.cpu_count() or 1))

"""Lambda entry points. The model, labels and ONNX Runtime session load once, at init.

This file is the Lambda root: the deploy package holds it beside src/, so it puts src/ on the
import path itself. Nothing else in the project touches sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from image_classifier import logs
from image_classifier.http_app import HttpApp
from image_classifier.model import Classifier
from image_classifier.settings import Settings

SETTINGS = Settings.from_env(default_model_dir=ROOT / "model")
logs.configure(SETTINGS.service_name, SETTINGS.log_level, SETTINGS.log_sampling_rate)
CLASSIFIER = Classifier.load(
    SETTINGS.model_dir, SETTINGS.ort_intra_op_threads, SETTINGS.model_precision
)
HTTP_APP = HttpApp(CLASSIFIER, SETTINGS)


# Every entry point runs under logs.entry_point: its lines carry the invocation's context.
@logs.entry_point
def classify(event: Any, context: Any = None) -> Any:
    """HTTP API v2, REST v1, Function URL, ALB (either mode) or direct invocation."""
    return HTTP_APP(event, context)


@logs.entry_point
def classify_upload(event: Any, context: Any = None) -> dict[str, Any]:
    """S3 uploads, directly or via SQS, SNS or EventBridge; boto3 is imported on S3 paths only."""
    from image_classifier.s3_trigger import handle_upload_event

    return handle_upload_event(event, CLASSIFIER, SETTINGS)


@logs.entry_point
def classify_batch_job(event: Any, context: Any = None) -> dict[str, Any]:
    """S3 Batch Operations (a backfill of objects already in a bucket), schema 1.0 or 2.0."""
    from image_classifier.batch_operations import handle_batch_job

    return handle_batch_job(event, CLASSIFIER, SETTINGS)

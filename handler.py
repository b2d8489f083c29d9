"""Lambda entry points. The model, labels and ONNX Runtime session load once, at init."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from image_classifier.http_app import HttpApp  # noqa: E402
from image_classifier.model import Classifier  # noqa: E402
from image_classifier.settings import Settings  # noqa: E402

SETTINGS = Settings.from_env(default_model_dir=ROOT / "model")
CLASSIFIER = Classifier(SETTINGS.model_dir)
HTTP_APP = HttpApp(CLASSIFIER, SETTINGS)


def classify(event: Any, context: Any = None) -> Any:
    """HTTP API v2, REST v1, Function URL or direct invocation."""
    return HTTP_APP(event, context)


def classify_upload(event: Any, context: Any = None) -> dict[str, int]:
    """S3 ObjectCreated trigger; boto3 is imported on this path only."""
    from image_classifier.s3_trigger import handle_upload_event

    return handle_upload_event(event, CLASSIFIER, SETTINGS)

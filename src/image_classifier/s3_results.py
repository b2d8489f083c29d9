"""One S3 object in, one result object out: the work shared by the trigger and backfill jobs.

Failure policy (why a record is retried or not):
- permanent, written as an error result and not raised, because a retry gets the same answer:
  not an image, too many bytes or pixels, and a source object that cannot be read (404, or 403:
  without s3:ListBucket S3 reports a deleted object as AccessDenied, and S3 is strongly
  consistent, so a missing object was deleted after the upload);
- transient, raised to the caller, which retries: throttling (SlowDown, 503), any 5xx, timeouts
  and connection errors, a failed results write, and any unexpected exception.

Skip what is current: each result object carries the source's ETag and the model's sha256 as
user metadata (`result_document`). When both match, the object was already classified by this
model and is left alone, so re-deliveries, redrives and repeated backfills cost a HEAD request each.
FORCE_RECLASSIFY (or a job argument) turns that off.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from image_classifier.confidence import is_uncertain
from image_classifier.core import classify_images
from image_classifier.errors import ClassifierError
from image_classifier.metrics import InvocationMetrics
from image_classifier.model import Classifier
from image_classifier.preprocessing import open_image
from image_classifier.result_document import (
    MODEL_SHA256,
    SOURCE_ETAG,
    ImageFacts,
    ModelRef,
    ResultDocument,
    ResultError,
    SourceObject,
)
from image_classifier.settings import Settings

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
DENIED_CODES = frozenset({"AccessDenied", "403", "Forbidden"})
THROTTLING_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests"}
)

CLASSIFIED, FAILED, CURRENT = "classified", "failed", "current"


@dataclass(frozen=True)
class ObjectOutcome:
    """`classified`, `failed` (an error result was written) or `current` (left alone)."""

    status: str
    detail: str | None = None
    # For a classified object: its top score and whether it was under MIN_CONFIDENCE.
    score: float | None = None
    uncertain: bool = False


@cache
def s3_client() -> Any:
    """One client per container; boto3 honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3."""
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=15
    )
    return boto3.client("s3", config=config)


def result_key(settings: Settings, source_key: str) -> str:
    return f"{settings.results_prefix}{source_key}.json"


def skip_reason(key: str, settings: Settings) -> str | None:
    """Keys never classified: results (no loops), folders and non-image suffixes."""
    if key.startswith(settings.results_prefix):
        return "results_prefix"
    if key.endswith("/") or PurePosixPath(key).suffix.lower() not in IMAGE_SUFFIXES:
        return "not_an_image_suffix"
    return None


def classify_object(
    bucket: str, key: str, classifier: Classifier, settings: Settings, client: Any
) -> ObjectOutcome:
    """Write the result object for s3://bucket/key unless it is current; raise when transient."""
    source = SourceObject(bucket, key)
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        return _write_unreadable(exc, source, settings, client)
    source = replace(
        source,
        etag=head.get("ETag", "").strip('"'),
        version_id=head.get("VersionId"),
        size=head.get("ContentLength"),
    )
    sha256 = model_sha256(classifier)
    if not settings.force_reclassify and _is_current(source, sha256, settings, client):
        return ObjectOutcome(CURRENT)
    if (source.size or 0) > settings.max_image_bytes:
        message = f"The object is larger than {settings.max_image_bytes} bytes."
        return _write_error(source, "image_too_large", message, settings, client, sha256)
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        return _write_unreadable(exc, source, settings, client)
    outcome = classify_images(classifier, [body], settings.max_image_pixels).outcomes[0]
    if isinstance(outcome, ClassifierError):
        return _write_error(source, outcome.code, outcome.message, settings, client, sha256)
    predictions = outcome.ranked(min(settings.default_top_k, len(classifier.labels)))
    uncertain = is_uncertain(predictions, settings.min_confidence)
    document = ResultDocument(
        source=source,
        classified_at=_now(),
        predictions=tuple(predictions),
        uncertain=uncertain,
        image=_image_facts(body, settings),
        model=ModelRef(classifier.card.name, classifier.card.version),
    )
    _write(document, settings, client, sha256)
    return ObjectOutcome(CLASSIFIED, predictions[0].label, predictions[0].score, uncertain)


def _image_facts(body: bytes, settings: Settings) -> ImageFacts:
    """Format and size, from the header alone (already decoded once)."""
    image = open_image(body, settings.max_image_pixels)
    return ImageFacts(image.format, image.width, image.height)


def record_metrics(record: InvocationMetrics, latency_ms: float, outcome: ObjectOutcome) -> None:
    """One request per object; its image when classified, its code when an error was written."""
    record.request(latency_ms, outcome.detail if outcome.status == FAILED else None)
    if outcome.status == CLASSIFIED and outcome.detail and outcome.score is not None:
        record.image(outcome.detail, outcome.score, outcome.uncertain)


def model_sha256(classifier: Classifier) -> str:
    """The card's model_sha256; empty (nothing is ever current) when the card has none."""
    return str(classifier.card.metadata.get("model_sha256") or "")


def error_code(exc: BaseException) -> str | None:
    """S3's error code for a ClientError, the class name for a botocore fault, else None."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    if isinstance(exc, BotoCoreError):
        return type(exc).__name__
    return None


def _is_current(source: SourceObject, sha256: str, settings: Settings, client: Any) -> bool:
    """Any failure to read the old result means "not current": redoing work loses nothing."""
    if not source.etag or not sha256:
        return False
    try:
        head = client.head_object(
            Bucket=settings.results_bucket or source.bucket, Key=result_key(settings, source.key)
        )
    except (ClientError, BotoCoreError):
        return False
    metadata = head.get("Metadata") or {}
    return metadata.get(SOURCE_ETAG) == source.etag and metadata.get(MODEL_SHA256) == sha256


def _write_unreadable(
    exc: ClientError, source: SourceObject, settings: Settings, client: Any
) -> ObjectOutcome:
    code = error_code(exc)
    if code in MISSING_CODES:
        message = "The object no longer exists."
        return _write_error(source, "source_missing", message, settings, client, "")
    if code in DENIED_CODES:
        message = "The object cannot be read (deleted, or access denied)."
        return _write_error(source, "source_unreadable", message, settings, client, "")
    raise exc


def _write_error(
    source: SourceObject, code: str, message: str, settings: Settings, client: Any, sha256: str
) -> ObjectOutcome:
    document = ResultDocument(source, _now(), error=ResultError(code, message))
    _write(document, settings, client, sha256)
    return ObjectOutcome(FAILED, code)


def _write(document: ResultDocument, settings: Settings, client: Any, sha256: str) -> None:
    source = document.source
    client.put_object(
        Bucket=settings.results_bucket or source.bucket,
        Key=result_key(settings, source.key),
        Body=document.to_bytes(),
        ContentType="application/json",
        Metadata=document.user_metadata(sha256),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")

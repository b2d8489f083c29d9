"""S3 upload trigger: classify each new object and write one result object per record.

Failure policy (why a record is retried or not):
- permanent, written as an error result and not raised, because a retry gets the same answer:
  not an image, too many bytes or pixels, a non-image key, and a source object that cannot be
  read (404, or 403: without s3:ListBucket S3 reports a deleted object as AccessDenied, and S3
  is strongly consistent, so a missing object was deleted after the upload);
- transient, raised after every other record is done so that Lambda's retry covers it:
  throttling (SlowDown, 503), any 5xx, timeouts and connection errors, a failed results write,
  and any unexpected exception.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from image_classifier.core import classify_images
from image_classifier.errors import ClassifierError
from image_classifier.logs import elapsed_ms, fault_location, log
from image_classifier.model import Classifier
from image_classifier.settings import Settings

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
DENIED_CODES = frozenset({"AccessDenied", "403", "Forbidden"})


class TransientFailure(RuntimeError):
    """Some records hit a retryable fault; raised so Lambda retries the event."""


@dataclass
class Summary:
    classified: int = 0
    failed: int = 0
    skipped: int = 0
    retry: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, int]:
        return {
            "classified": self.classified,
            "failed": self.failed,
            "skipped": self.skipped,
            "transient": len(self.retry),
        }


@dataclass(frozen=True)
class SourceObject:
    bucket: str
    key: str
    event_name: str

    @classmethod
    def from_record(cls, record: Any) -> SourceObject:
        """Raises KeyError/TypeError/AttributeError on a malformed record."""
        s3 = record["s3"]
        return cls(
            bucket=str(s3["bucket"]["name"]),
            key=unquote_plus(str(s3["object"]["key"])),
            event_name=str(record.get("eventName", "")),
        )


@cache
def s3_client() -> Any:
    """One client per container; boto3 honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3."""
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=15
    )
    return boto3.client("s3", config=config)


def handle_upload_event(
    event: Any, classifier: Classifier, settings: Settings, client: Any | None = None
) -> dict[str, int]:
    """Process every record, then raise TransientFailure if any of them needs a retry."""
    client = client or s3_client()
    records = event.get("Records") if isinstance(event, dict) else None
    summary = Summary()
    if not isinstance(records, list):
        log("s3_record", logging.WARNING, outcome="skipped", reason="malformed_event")
        summary.skipped += 1
        return summary.to_dict()
    for record in records:
        _process(record, classifier, settings, client, summary)
    log("s3_event", **summary.to_dict())
    if summary.retry:
        raise TransientFailure(
            f"{len(summary.retry)} record(s) failed transiently and need a retry: "
            + ", ".join(summary.retry)[:500]
        )
    return summary.to_dict()


def result_key(settings: Settings, source_key: str) -> str:
    return f"{settings.results_prefix}{source_key}.json"


def _process(
    record: Any, classifier: Classifier, settings: Settings, client: Any, summary: Summary
) -> None:
    started = time.perf_counter()
    try:
        source = SourceObject.from_record(record)
    except (KeyError, TypeError, AttributeError):
        summary.skipped += 1
        log("s3_record", logging.WARNING, outcome="skipped", reason="malformed_record")
        return
    fields: dict[str, Any] = {"bucket": source.bucket, "key": source.key}
    reason = _skip_reason(source, settings)
    if reason:
        summary.skipped += 1
        log("s3_record", outcome="skipped", reason=reason, **fields)
        return
    try:
        document = _classify_object(source, classifier, settings, client)
        _write_result(source, settings, client, document)
    except Exception as exc:
        summary.retry.append(source.key)
        log(
            "s3_record",
            logging.ERROR,
            outcome="transient",
            error_type=type(exc).__name__,
            error=_client_error_code(exc) or fault_location(exc),
            latency_ms=elapsed_ms(started),
            **fields,
        )
        return
    if "error" in document:
        summary.failed += 1
        log(
            "s3_record",
            outcome="failed",
            error=document["error"]["code"],
            latency_ms=elapsed_ms(started),
            **fields,
        )
    else:
        summary.classified += 1
        log(
            "s3_record",
            outcome="classified",
            top_label=document["predictions"][0]["label"],
            latency_ms=elapsed_ms(started),
            **fields,
        )


def _skip_reason(source: SourceObject, settings: Settings) -> str | None:
    if not source.event_name.startswith("ObjectCreated:"):
        return "not_an_object_created_event"
    if source.key.startswith(settings.results_prefix):
        return "results_prefix"
    if source.key.endswith("/") or PurePosixPath(source.key).suffix.lower() not in IMAGE_SUFFIXES:
        return "not_an_image_suffix"
    return None


def _classify_object(
    source: SourceObject, classifier: Classifier, settings: Settings, client: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {"bucket": source.bucket, "key": source.key}
    try:
        head = client.head_object(Bucket=source.bucket, Key=source.key)
        meta.update(
            etag=head.get("ETag", "").strip('"'),
            version_id=head.get("VersionId"),
            size=head.get("ContentLength"),
        )
        if (meta["size"] or 0) > settings.max_image_bytes:
            return _error_document(
                meta,
                "image_too_large",
                f"The object is larger than {settings.max_image_bytes} bytes.",
            )
        body = client.get_object(Bucket=source.bucket, Key=source.key)["Body"].read()
    except ClientError as exc:
        code = _client_error_code(exc)
        if code in MISSING_CODES:
            return _error_document(meta, "source_missing", "The object no longer exists.")
        if code in DENIED_CODES:
            return _error_document(
                meta, "source_unreadable", "The object cannot be read (deleted, or access denied)."
            )
        raise
    top_k = min(settings.default_top_k, len(classifier.labels))
    outcome = classify_images(classifier, [body], top_k, settings.max_image_pixels).outcomes[0]
    if isinstance(outcome, ClassifierError):
        return _error_document(meta, outcome.code, outcome.message)
    return {
        "source": meta,
        "predictions": [p.to_dict() for p in outcome],
        "model": {"name": classifier.card.name, "version": classifier.card.version},
        "classified_at": _now(),
    }


def _error_document(meta: dict[str, Any], code: str, message: str) -> dict[str, Any]:
    meta.setdefault("etag", None)
    meta.setdefault("version_id", None)
    meta.setdefault("size", None)
    return {"source": meta, "error": {"code": code, "message": message}, "classified_at": _now()}


def _write_result(
    source: SourceObject, settings: Settings, client: Any, document: dict[str, Any]
) -> None:
    client.put_object(
        Bucket=settings.results_bucket or source.bucket,
        Key=result_key(settings, source.key),
        Body=json.dumps(document, ensure_ascii=False).encode("utf-8"),
        ContentType="application/json",
    )


def _client_error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    if isinstance(exc, BotoCoreError):
        return type(exc).__name__
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")

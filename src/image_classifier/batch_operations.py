"""S3 Batch Operations: classify objects already in a bucket (a backfill), one task per object.

A job lists objects in a manifest and invokes the function synchronously with one or more tasks,
in schema 1.0 (`s3BucketArn`) or 2.0 (`s3Bucket`, plus the job's `userArguments`). Keys arrive
URL-encoded in both. Each task gets a result code that S3 acts on:
- `Succeeded`: a result object was written, or the existing one is current;
- `PermanentFailure` with a short reason: a retry would get the same answer (not an image, an
  error result was written, the results write is denied, a malformed task);
- `TemporaryFailure`: throttling, 5xx, timeouts and connection errors; S3 retries the task.
The result objects are written by the same code as the trigger's (`s3_results`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from image_classifier.logs import elapsed_ms, log
from image_classifier.metrics import InvocationMetrics, serving_metrics
from image_classifier.model import Classifier
from image_classifier.s3_results import (
    CURRENT,
    DENIED_CODES,
    FAILED,
    THROTTLING_CODES,
    classify_object,
    error_code,
    record_metrics,
    s3_client,
    skip_reason,
)
from image_classifier.settings import Settings, truthy

SUCCEEDED, TEMPORARY, PERMANENT = "Succeeded", "TemporaryFailure", "PermanentFailure"
# Job arguments (schema 2.0 `userArguments`) this function reads.
RESULTS_PREFIX_ARGUMENT = "resultsPrefix"
FORCE_ARGUMENT = "force"


class UnrecognisedJob(ValueError):
    """Not an S3 Batch Operations invocation; raised so the caller sees a failed invoke."""


def handle_batch_job(
    event: Any, classifier: Classifier, settings: Settings, client: Any | None = None
) -> dict[str, Any]:
    """The response S3 Batch Operations requires, one result per task."""
    if not isinstance(event, dict) or not isinstance(event.get("tasks"), list):
        log("batch_job", logging.ERROR, outcome="unrecognised")
        raise UnrecognisedJob("not an S3 Batch Operations event: no tasks")
    job: dict[str, Any] = event["job"] if isinstance(event.get("job"), dict) else {}
    settings = _job_settings(settings, job.get("userArguments"))
    client = client or s3_client()
    record = serving_metrics(
        settings.metrics_namespace,
        settings.service_name,
        classifier.card.version,
        len(classifier.labels),
    ).invocation("s3_batch")
    results = [_run_task(task, classifier, settings, client, record) for task in event["tasks"]]
    record.flush()
    log(
        "batch_job",
        job_id=job.get("id"),
        schema=event.get("invocationSchemaVersion"),
        tasks=len(results),
        **{code: sum(r["resultCode"] == code for r in results) for code in _CODES},
    )
    return {
        "invocationSchemaVersion": str(event.get("invocationSchemaVersion") or "1.0"),
        "treatMissingKeysAs": PERMANENT,
        "invocationId": event.get("invocationId"),
        "results": results,
    }


_CODES = (SUCCEEDED, TEMPORARY, PERMANENT)


def _job_settings(settings: Settings, arguments: Any) -> Settings:
    """`resultsPrefix` and `force` from the job's userArguments override the function's."""
    if not isinstance(arguments, dict):
        return settings
    prefix = arguments.get(RESULTS_PREFIX_ARGUMENT)
    if isinstance(prefix, str) and prefix:
        settings = replace(
            settings, results_prefix=prefix if prefix.endswith("/") else f"{prefix}/"
        )
    if truthy(str(arguments.get(FORCE_ARGUMENT, ""))):
        settings = replace(settings, force_reclassify=True)
    return settings


def _run_task(
    task: Any, classifier: Classifier, settings: Settings, client: Any, record: InvocationMetrics
) -> dict[str, str | None]:
    started = time.perf_counter()
    task_id = task.get("taskId") if isinstance(task, dict) else None
    try:
        bucket, key = _task_object(task)
    except (KeyError, TypeError, ValueError):
        return _result(task_id, PERMANENT, "malformed task: no bucket or key")
    fields: dict[str, Any] = {"bucket": bucket, "key": key, "task_id": task_id}
    reason = skip_reason(key, settings)
    if reason:
        log("batch_task", outcome="skipped", reason=reason, **fields)
        return _result(task_id, PERMANENT, f"not classified: {reason}")
    try:
        outcome = classify_object(bucket, key, classifier, settings, client)
    except Exception as exc:
        code, reason = _failure(exc)
        log("batch_task", logging.ERROR, outcome=code, error=reason, **fields)
        record.request(elapsed_ms(started), "transient" if code == TEMPORARY else "permanent")
        return _result(task_id, code, reason)
    log("batch_task", outcome=outcome.status, detail=outcome.detail, **fields)
    record_metrics(record, elapsed_ms(started), outcome)
    if outcome.status == FAILED:
        return _result(task_id, PERMANENT, f"error result written: {outcome.detail}")
    if outcome.status == CURRENT:
        return _result(task_id, SUCCEEDED, "current: already classified by this model")
    return _result(task_id, SUCCEEDED, f"classified: {outcome.detail}")


def _task_object(task: dict[str, Any]) -> tuple[str, str]:
    """Schema 2.0 names the bucket; 1.0 gives its ARN (arn:aws:s3:::name)."""
    bucket = task.get("s3Bucket") or str(task["s3BucketArn"]).rsplit(":", 1)[-1]
    key = unquote_plus(task["s3Key"])
    if not isinstance(bucket, str) or not bucket or not key:
        raise ValueError("empty bucket or key")
    return bucket, key


def _failure(exc: BaseException) -> tuple[str, str]:
    """Throttling, 5xx and connection faults are temporary; the rest would fail again."""
    code = error_code(exc) or type(exc).__name__
    if isinstance(exc, BotoCoreError):
        return TEMPORARY, f"retry: {code}"
    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in THROTTLING_CODES or status >= 500 or status == 429:
            return TEMPORARY, f"retry: {code}"
        if code in DENIED_CODES:
            return PERMANENT, f"results write denied: {code}"
        return PERMANENT, f"S3 error: {code}"
    return PERMANENT, f"internal error: {code}"


def _result(task_id: Any, code: str, reason: str) -> dict[str, str | None]:
    return {
        "taskId": None if task_id is None else str(task_id),
        "resultCode": code,
        "resultString": reason[:200],
    }

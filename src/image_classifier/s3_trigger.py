"""S3 upload trigger: classify each object an event names, one result object per object.

The event may come straight from S3, or through SNS, SQS (SNS then SQS too) or EventBridge
(`s3_envelopes` unwraps them all). What is retried, and how, follows the delivery:
- SQS: the reply lists the messages that need another try in `batchItemFailures`, so only those
  return to the queue (and, past maxReceiveCount, to its dead-letter queue);
- every other source is an asynchronous invocation: a transient failure is raised after every
  other record is done, so Lambda retries the event and, when retries run out, sends it to the
  on-failure destination. An event it cannot read at all is raised at once, for the same reason.
Nothing is skipped with success except S3's test events, events other than object creation,
result keys and non-image keys, and each skip is logged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from image_classifier.logs import elapsed_ms, fault_location, log
from image_classifier.metrics import InvocationMetrics, serving_metrics
from image_classifier.model import Classifier
from image_classifier.s3_envelopes import Delivery, Message, ObjectRef, UnrecognisedEvent, unwrap
from image_classifier.s3_results import (
    CLASSIFIED,
    CURRENT,
    IMAGE_SUFFIXES,
    classify_object,
    error_code,
    record_metrics,
    result_key,
    s3_client,
    skip_reason,
)
from image_classifier.settings import Settings

__all__ = [
    "IMAGE_SUFFIXES",
    "TransientFailure",
    "UnrecognisedEvent",
    "handle_upload_event",
    "process_delivery",
    "result_key",
    "s3_client",
]


class TransientFailure(RuntimeError):
    """Some records hit a retryable fault; raised so Lambda retries the event."""


@dataclass
class Summary:
    """Counts per object; `retry` names what needs another try, `failed_messages` SQS ids."""

    classified: int = 0
    failed: int = 0
    skipped: int = 0
    current: int = 0
    unrecognised: int = 0
    retry: list[str] = field(default_factory=list)
    failed_messages: list[str] = field(default_factory=list)
    # Requests (one per object that was not skipped), images and errors for EMF.
    metrics: InvocationMetrics | None = None

    def to_dict(self) -> dict[str, int]:
        return {
            "classified": self.classified,
            "failed": self.failed,
            "skipped": self.skipped,
            "current": self.current,
            "transient": len(self.retry),
            "unrecognised": self.unrecognised,
        }


def handle_upload_event(
    event: Any, classifier: Classifier, settings: Settings, client: Any | None = None
) -> dict[str, Any]:
    """The Lambda reply: SQS's batchItemFailures, or the counts (raising if a retry is due)."""
    try:
        delivery = unwrap(event)
    except UnrecognisedEvent as exc:
        log("s3_event", logging.ERROR, outcome="unrecognised", reason=str(exc))
        raise
    summary = process_delivery(delivery, classifier, settings, client or s3_client())
    if delivery.partial_failures:
        return {"batchItemFailures": [{"itemIdentifier": i} for i in summary.failed_messages]}
    if summary.retry:
        raise TransientFailure(
            f"{len(summary.retry)} record(s) failed transiently and need a retry: "
            + ", ".join(summary.retry)[:500]
        )
    return summary.to_dict()


def process_delivery(
    delivery: Delivery, classifier: Classifier, settings: Settings, client: Any
) -> Summary:
    """Every object of every message, each to its own outcome; one log line at the end."""
    target = serving_metrics(
        settings.metrics_namespace,
        settings.service_name,
        classifier.card.version,
        len(classifier.labels),
    )
    summary = Summary(metrics=target.invocation("s3"))
    for message in delivery.messages:
        retries_before = len(summary.retry)
        _process_message(message, classifier, settings, client, summary)
        if message.message_id and (message.error or len(summary.retry) > retries_before):
            summary.failed_messages.append(message.message_id)
    log(
        "s3_event",
        source=delivery.source,
        failed_messages=len(summary.failed_messages),
        **summary.to_dict(),
    )
    if summary.metrics:
        summary.metrics.flush()
    return summary


def _process_message(
    message: Message, classifier: Classifier, settings: Settings, client: Any, summary: Summary
) -> None:
    if message.error:
        summary.unrecognised += 1
        log(
            "s3_message",
            logging.ERROR,
            outcome="unrecognised",
            message_id=message.message_id,
            reason=message.error,
        )
        return
    if not message.refs:
        summary.skipped += 1
        log("s3_record", outcome="skipped", reason="s3_test_event", message_id=message.message_id)
        return
    for ref in message.refs:
        _process(ref, classifier, settings, client, summary)


def _process(
    ref: ObjectRef, classifier: Classifier, settings: Settings, client: Any, summary: Summary
) -> None:
    started = time.perf_counter()
    fields: dict[str, Any] = {"bucket": ref.bucket, "key": ref.key}
    reason = "not_an_object_created_event" if not ref.created else skip_reason(ref.key, settings)
    if reason:
        summary.skipped += 1
        log("s3_record", outcome="skipped", reason=reason, event_name=ref.event_name, **fields)
        return
    try:
        outcome = classify_object(ref.bucket, ref.key, classifier, settings, client)
    except Exception as exc:
        summary.retry.append(ref.key)
        log(
            "s3_record",
            logging.ERROR,
            outcome="transient",
            error_type=type(exc).__name__,
            error=error_code(exc) or fault_location(exc),
            latency_ms=elapsed_ms(started),
            **fields,
        )
        if summary.metrics:
            summary.metrics.request(elapsed_ms(started), "transient")
        return
    fields["latency_ms"] = elapsed_ms(started)
    if summary.metrics:
        record_metrics(summary.metrics, fields["latency_ms"], outcome)
    if outcome.status == CLASSIFIED:
        summary.classified += 1
        log("s3_record", outcome="classified", top_label=outcome.detail, **fields)
    elif outcome.status == CURRENT:
        summary.current += 1
        log("s3_record", outcome="current", **fields)
    else:
        summary.failed += 1
        log("s3_record", outcome="failed", error=outcome.detail, **fields)

"""Find the S3 objects an event names, whichever way S3 delivered it.

S3 reaches the function directly (a notification), through SNS, through SQS, through SNS then
SQS, or as an EventBridge "Object Created" event. Each way wraps the same news: a bucket, a
URL-encoded key and what happened. This module unwraps them into `ObjectRef`s and nothing else.

Keys are URL-encoded in every one of these shapes, EventBridge included: AWS's own Powertools
decodes `detail.object.key` with `unquote_plus`, as OpenSearch Data Prepper does with
`SdkHttpUtils.urlDecode` (see the README's S3 section). So every key goes through
`unquote_plus` once.

Anything it cannot read raises `UnrecognisedEvent`: a silent skip would lose the upload, while
an exception lets the platform retry and then dead-letter the event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

CREATED_PREFIX = "ObjectCreated:"
TEST_EVENT = "s3:TestEvent"


class UnrecognisedEvent(ValueError):
    """An event, or a message inside one, that names no S3 object this module can read."""


@dataclass(frozen=True)
class ObjectRef:
    """One S3 object an event is about; `created` is False for deletes, restores, tags..."""

    bucket: str
    key: str
    event_name: str
    created: bool


@dataclass(frozen=True)
class Message:
    """What one delivery unit carries: an SQS message (with its id) or the whole event.

    No refs and no error means an s3:TestEvent, which S3 sends when a notification is set up.
    """

    message_id: str | None
    refs: tuple[ObjectRef, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Delivery:
    """How the event arrived (`s3`, `sns`, `sqs`, `eventbridge`) and its messages."""

    source: str
    messages: tuple[Message, ...]

    @property
    def partial_failures(self) -> bool:
        """SQS can return single messages to the queue; every other source retries all."""
        return self.source == "sqs"


def unwrap(event: Any) -> Delivery:
    """The delivery an event is; raises UnrecognisedEvent for anything else."""
    if not isinstance(event, dict):
        raise UnrecognisedEvent("the event is not a JSON object")
    records = event.get("Records")
    if isinstance(records, list) and records:
        sources = {_record_source(r) for r in records}
        if sources == {"aws:sqs"}:
            return Delivery("sqs", tuple(_sqs_message(r) for r in records))
        if sources == {"aws:sns"}:
            refs = tuple(ref for r in records for ref in _document_refs(_sns_message(r), "sns"))
            return Delivery("sns", (Message(None, refs),))
        if sources == {"aws:s3"}:
            return Delivery("s3", (Message(None, _s3_refs(records)),))
        raise UnrecognisedEvent(f"records from {sorted(map(str, sources))}")
    if _is_eventbridge(event):
        return Delivery("eventbridge", (Message(None, (_eventbridge_ref(event),)),))
    if event.get("Event") == TEST_EVENT:
        return Delivery("s3", (Message(None),))
    raise UnrecognisedEvent("neither S3, SNS, SQS nor EventBridge")


def _record_source(record: Any) -> str:
    if not isinstance(record, dict):
        return "not-an-object"
    return str(record.get("eventSource") or record.get("EventSource") or "unknown")


def _sqs_message(record: dict[str, Any]) -> Message:
    """An SQS message whose body cannot be read fails alone; its siblings still run."""
    message_id = str(record.get("messageId") or "")
    if not message_id:
        raise UnrecognisedEvent("an SQS record without a messageId")
    try:
        return Message(message_id, _document_refs(_json(record.get("body")), "sqs"))
    except UnrecognisedEvent as exc:
        return Message(message_id, error=str(exc))


def _document_refs(document: Any, where: str) -> tuple[ObjectRef, ...]:
    """A message body: an S3 event, an SNS notification (SNS to SQS), EventBridge, a test."""
    if not isinstance(document, dict):
        raise UnrecognisedEvent(f"a {where} message that is not a JSON object")
    if document.get("Event") == TEST_EVENT:
        return ()
    if document.get("Type") == "Notification" and "Message" in document:
        return _document_refs(_json(document["Message"]), "sns")
    if _is_eventbridge(document):
        return (_eventbridge_ref(document),)
    records = document.get("Records")
    if isinstance(records, list) and records:
        if {_record_source(r) for r in records} != {"aws:s3"}:
            raise UnrecognisedEvent(f"a {where} message holding records that are not S3's")
        return _s3_refs(records)
    raise UnrecognisedEvent(f"a {where} message that is not an S3 event")


def _sns_message(record: dict[str, Any]) -> Any:
    sns = record.get("Sns")
    if not isinstance(sns, dict):
        raise UnrecognisedEvent("an SNS record without Sns")
    return _json(sns.get("Message"))


def _s3_refs(records: list[Any]) -> tuple[ObjectRef, ...]:
    refs = []
    for record in records:
        try:
            s3 = record["s3"]
            bucket, key = s3["bucket"]["name"], s3["object"]["key"]
            event_name = str(record.get("eventName", ""))
        except (KeyError, TypeError) as exc:
            raise UnrecognisedEvent("an S3 record without a bucket name and key") from exc
        if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
            raise UnrecognisedEvent("an S3 record whose bucket or key is not a string")
        created = event_name.startswith(CREATED_PREFIX)
        refs.append(ObjectRef(bucket, unquote_plus(key), event_name, created))
    return tuple(refs)


def _is_eventbridge(event: dict[str, Any]) -> bool:
    return "detail-type" in event and isinstance(event.get("detail"), dict)


def _eventbridge_ref(event: dict[str, Any]) -> ObjectRef:
    if event.get("source") != "aws.s3":
        raise UnrecognisedEvent("an EventBridge event that is not from S3")
    detail_type = str(event.get("detail-type"))
    try:
        bucket = event["detail"]["bucket"]["name"]
        key = event["detail"]["object"]["key"]
    except (KeyError, TypeError) as exc:
        raise UnrecognisedEvent("an EventBridge S3 event without bucket and key") from exc
    if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
        raise UnrecognisedEvent("an EventBridge S3 event whose bucket or key is not a string")
    return ObjectRef(bucket, unquote_plus(key), detail_type, detail_type == "Object Created")


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        raise UnrecognisedEvent("a message body that is not a string")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UnrecognisedEvent("a message body that is not JSON") from exc

"""S3 events wrapped the ways AWS delivers them, built from the real-shaped fixtures.

Each builder takes the fixture of its envelope (tests/events/s3_*.json) and swaps in the
bucket and keys a test needs, so the envelope's own fields stay exactly as AWS writes them.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote_plus

from classifier_devtools.events import s3_event
from tests.support.factories import load_event

TEST_EVENT = {
    "Service": "Amazon S3",
    "Event": "s3:TestEvent",
    "Time": "2026-01-01T00:00:00.000Z",
    "Bucket": "image-classifier-dev-uploads",
    "RequestId": "5582815E1AEA5ADF",
    "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
}


def direct(bucket: str, keys: list[str]) -> dict[str, Any]:
    return s3_event(bucket, keys)


def sqs(*bodies: Any) -> dict[str, Any]:
    """One SQS message per body (a dict is sent as JSON), with message ids m0, m1, ..."""
    template = load_event("s3_sqs")["Records"][0]
    return {
        "Records": [
            {
                **copy.deepcopy(template),
                "messageId": f"m{i}",
                "body": body if isinstance(body, str) else json.dumps(body),
            }
            for i, body in enumerate(bodies)
        ]
    }


def sns_notification(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON SNS puts in an SQS body when raw message delivery is off."""
    body = json.loads(load_event("s3_sns_sqs")["Records"][0]["body"])
    return {**body, "Message": json.dumps(document)}


def sns(document: dict[str, Any]) -> dict[str, Any]:
    event = load_event("s3_sns")
    event["Records"][0]["Sns"]["Message"] = json.dumps(document)
    return event


def sns_sqs(*documents: dict[str, Any]) -> dict[str, Any]:
    return sqs(*(sns_notification(d) for d in documents))


def eventbridge(bucket: str, key: str, detail_type: str = "Object Created") -> dict[str, Any]:
    """An S3 EventBridge event; its key is URL-encoded like a notification's (see s3_envelopes)."""
    event = load_event("s3_eventbridge")
    event["detail-type"] = detail_type
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = quote_plus(key, safe="/")
    return event


def batch_job(
    schema: str, bucket: str, keys: list[str], arguments: dict[str, str] | None = None
) -> dict[str, Any]:
    """An S3 Batch Operations invocation in schema 1.0 or 2.0, one task per key."""
    event = load_event(f"s3_batch_operations_v{schema[0]}")
    template = event["tasks"][0]
    event["tasks"] = []
    for i, key in enumerate(keys):
        task = {**template, "taskId": f"task-{i}", "s3Key": quote_plus(key, safe="/")}
        if "s3Bucket" in task:
            task["s3Bucket"] = bucket
        else:
            task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
        event["tasks"].append(task)
    if arguments is not None:
        event["job"]["userArguments"] = arguments
    return event


def alb_event(
    body: str | None,
    *,
    method: str = "POST",
    path: str = "/classify",
    headers: dict[str, str] | None = None,
    base64_encoded: bool = False,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An ALB target event, single-value mode, from the fixture (the HTTP builders' signature)."""
    event = load_event("alb")
    event.update(httpMethod=method, path=path, body=body, isBase64Encoded=base64_encoded)
    event["headers"] = {**event["headers"], **(headers or {})}
    event["queryStringParameters"] = query or {}
    return event


def alb_multi_value_event(
    body: str | None,
    *,
    method: str = "POST",
    path: str = "/classify",
    headers: dict[str, str] | None = None,
    base64_encoded: bool = False,
    query: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """An ALB target event with multi-value headers on: only the multi-value maps."""
    event = load_event("alb_multi_value")
    event.update(httpMethod=method, path=path, body=body, isBase64Encoded=base64_encoded)
    for name, value in (headers or {}).items():
        event["multiValueHeaders"][name.lower()] = [value]
    event["multiValueQueryStringParameters"] = query or {}
    return event

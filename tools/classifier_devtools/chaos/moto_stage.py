"""The stage the chaos run plays on, all in moto: a bucket whose ObjectCreated events go to a
queue, so the events are the ones S3 itself writes, and the on-failure queue Lambda would use."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any


@contextlib.contextmanager
def moto_server(endpoint: str | None) -> Iterator[str]:
    """The given endpoint, or a moto server of our own on 127.0.0.1 for the run."""
    if endpoint:
        yield endpoint
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_stage(s3: Any, sqs: Any, bucket: str, suffixes: Iterable[str]) -> tuple[str, str]:
    """The bucket, its events queue and a dead-letter queue that keeps messages 14 days."""
    s3.create_bucket(Bucket=bucket)
    events_url = sqs.create_queue(QueueName=f"{bucket}-events")["QueueUrl"]
    dlq_url = sqs.create_queue(
        QueueName=f"{bucket}-dlq", Attributes={"MessageRetentionPeriod": "1209600"}
    )["QueueUrl"]
    notify_queue(s3, sqs, bucket, events_url, suffixes)
    return events_url, dlq_url


def notify_queue(s3: Any, sqs: Any, bucket: str, queue_url: str, suffixes: Iterable[str]) -> None:
    """S3 sends ObjectCreated events under uploads/ with these suffixes to the queue (as moto
    and AWS do), so tests and the chaos run classify the events S3 itself writes."""
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn["Attributes"]["QueueArn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "uploads/"},
                                {"Name": "suffix", "Value": suffix},
                            ]
                        }
                    },
                }
                for suffix in suffixes
            ]
        },
    )


def drain(sqs: Any, queue_url: str, expected: int, timeout: float = 120.0) -> list[Any]:
    """The S3 notifications moto queued, one event per upload."""
    events: list[Any] = []
    records, deadline = 0, time.monotonic() + timeout
    while records < expected and time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        for message in messages:
            body = json.loads(message["Body"])
            if "Records" in body:
                events.append(body)
                records += len(body["Records"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return events


def queue_depth(sqs: Any, queue_url: str) -> int:
    """Messages in the queue, visible or in flight."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )

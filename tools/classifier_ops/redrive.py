"""Replay the failed upload events in the dead-letter queue, then delete each one that succeeds.

scripts/redrive.py --queue-url URL --function-name image-classifier-dev-classifyUpload
scripts/redrive.py --queue-url URL --local        # in this process, with the local model

The queue holds two kinds of message, and both are replayed as the function first saw them:
- Lambda's on-failure invocation records (direct S3 delivery): `requestPayload` is the event;
- message bodies that SQS moved after maxReceiveCount (the uploadsQueue option): the body is
  what S3, SNS or EventBridge sent, so it is replayed inside an SQS event of one message.
A message is deleted only after its replay succeeded (no exception, no batchItemFailures); a
failed replay stays in the queue, visible again for the next run. Replays are cheap where the
result is already current: the function skips objects whose result this model made from the
same ETag.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

Replay = Callable[[Any], bool]


@dataclass
class RedriveReport:
    """What one run did; `left` is what the queue reported holding at the end."""

    received: int = 0
    replayed: int = 0
    deleted: int = 0
    failed: int = 0
    unreadable: int = 0
    left: int = 0


def event_of(body: str, message_id: str) -> Any:
    """The event to replay for a DLQ message body; ValueError when it is not JSON."""
    document = json.loads(body)
    if isinstance(document, dict) and "requestPayload" in document and "requestContext" in document:
        return document["requestPayload"]
    return {
        "Records": [
            {
                "messageId": message_id,
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:redrive",
            }
        ]
    }


def succeeded(reply: Any) -> bool:
    """A reply that lists batch item failures did not fully succeed."""
    return not (isinstance(reply, dict) and reply.get("batchItemFailures"))


def redrive(
    sqs: Any,
    queue_url: str,
    replay: Replay,
    *,
    limit: int | None = None,
    visibility_timeout: int = 120,
    wait_seconds: int = 1,
) -> RedriveReport:
    """Receive until the queue answers empty, or only with messages this run already tried (a
    failed replay becomes visible again), or `limit` messages; replay; delete successes."""
    report = RedriveReport()
    seen: set[str] = set()
    retry_later: list[str] = []
    while limit is None or report.received < limit:
        batch = min(10, limit - report.received) if limit is not None else 10
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=batch,
            VisibilityTimeout=visibility_timeout,
            WaitTimeSeconds=wait_seconds,
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            report.received += 1
            try:
                event = event_of(message["Body"], message["MessageId"])
            except ValueError:
                report.unreadable += 1
                retry_later.append(message["ReceiptHandle"])
                continue
            report.replayed += 1
            if replay(event):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                report.deleted += 1
            else:
                report.failed += 1
                retry_later.append(message["ReceiptHandle"])
    # Hidden while this run went on; visible again at once for the next run (or a person).
    for handle in retry_later:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    report.left = int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
    return report


def local_replay(handle: Callable[[Any], Any]) -> Replay:
    """Replay through a handler in this process (handler.classify_upload or a test's own)."""

    def replay(event: Any) -> bool:
        try:
            return succeeded(handle(event))
        except Exception as exc:
            print(f"replay failed: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
            return False

    return replay


def lambda_replay(client: Any, function_name: str) -> Replay:
    """Replay with lambda:InvokeFunction, synchronously, so the outcome is known."""

    def replay(event: Any) -> bool:
        response = client.invoke(
            FunctionName=function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode("utf-8"),
        )
        payload = response["Payload"].read()
        if response.get("FunctionError"):
            print(f"replay failed: {payload[:200]!r}", file=sys.stderr)
            return False
        return succeeded(json.loads(payload or b"null"))

    return replay


def local_trigger() -> Callable[[Any], Any]:
    """The trigger with this checkout's model and the environment's settings, as the function
    would run it (RESULTS_BUCKET, RESULTS_PREFIX, FORCE_RECLASSIFY...)."""
    from image_classifier.model import Classifier
    from image_classifier.s3_trigger import handle_upload_event
    from image_classifier.settings import Settings

    settings = Settings.from_env(default_model_dir=Path(__file__).resolve().parents[2] / "model")
    classifier = Classifier.load(settings.model_dir, settings.ort_intra_op_threads)
    return lambda event: handle_upload_event(event, classifier, settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queue-url", required=True, help="the stack's UploadsDeadLetterQueueUrl")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--function-name", help="replay through the deployed function")
    target.add_argument(
        "--local", action="store_true", help="replay in this process, with this checkout's model"
    )
    parser.add_argument("--limit", type=int, default=None, help="at most this many messages")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    import boto3

    sqs = boto3.client("sqs", region_name=args.region)
    if args.local:
        replay = local_replay(local_trigger())
    else:
        replay = lambda_replay(boto3.client("lambda", region_name=args.region), args.function_name)
    report = redrive(sqs, args.queue_url, replay, limit=args.limit)
    print(json.dumps(asdict(report)))
    return 0 if report.failed == 0 and report.unreadable == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

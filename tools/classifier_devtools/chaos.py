"""Chaos run of the S3 path against moto's server on 127.0.0.1: nothing lost, nothing doubled.

scripts/chaos.py --uploads 500          # make chaos

It uploads images to a moto bucket whose notifications go to a moto queue, so the events are
the ones S3 writes. Each event goes to handler.classify_upload as Lambda's asynchronous
invocation would: up to 2 retries after a failure, then an invocation record on the on-failure
queue (a moto SQS queue). Some events are delivered twice, as S3 may. Meanwhile the function's
own S3 client meets injected faults: throttling (503 SlowDown) on any call, and 500s on
GetObject and PutObject, at set rates. Then classifier_ops.redrive empties the dead-letter queue
through the same function, faults still on, pass after pass. The counts must show every upload
with exactly one result object and none left in the queue.

It is a development tool, not an operations one: it never touches a deployment, and it needs
moto. Time is compressed: botocore's retry delays are zeroed, its retry decisions are kept.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from classifier_devtools.paths import load_handler

BUCKET = "chaos-uploads"
SUFFIXES = (".png", ".PNG", ".bmp", ".gif")
FUNCTION_ARN = (
    "arn:aws:lambda:us-east-1:123456789012:function:image-classifier-chaos-classifyUpload"
)
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Faults:
    """Injected into the function's S3 client before each request is sent."""

    throttle_rate: float
    error_rate: float
    rng: random.Random
    injected: Counter[str] = field(default_factory=Counter)

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        if self.rng.random() < self.throttle_rate:
            self.injected[f"throttle {operation}"] += 1
            return _error_response(request.url, 503, "SlowDown")
        if operation in ("GetObject", "PutObject") and self.rng.random() < self.error_rate:
            self.injected[f"500 {operation}"] += 1
            return _error_response(request.url, 500, "InternalError")
        return None


class _Raw:
    """The urllib3-like body botocore reads from a response."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def _error_response(url: str, status: int, code: str) -> Any:
    from botocore.awsrequest import AWSResponse

    body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
    return AWSResponse(url, status, {"Content-Type": "application/xml"}, _Raw(body))


@dataclass
class ChaosReport:
    uploads: int = 0
    deliveries: int = 0
    invocations: int = 0
    dead_lettered: int = 0
    results_after_trigger: int = 0
    dlq_before_redrive: int = 0
    covered: bool = False
    stale_dead_letters: int = 0
    uploads_only_in_dlq: int = 0
    redrive_passes: int = 0
    redrive_replays: int = 0
    dlq_after_redrive: int = 0
    results: int = 0
    error_results: int = 0
    current_skips: int = 0
    rewrites: int = 0
    lost: int = 0
    duplicated: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.covered
            and self.lost == 0
            and self.duplicated == 0
            and self.dlq_after_redrive == 0
            and self.results == self.uploads
        )

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        return [
            f"uploads:                   {self.uploads}",
            f"deliveries (S3 repeats):   {self.deliveries}",
            f"invocations (w/ retries):  {self.invocations}",
            f"results after trigger:     {self.results_after_trigger}",
            f"DLQ before redrive:        {self.dlq_before_redrive}",
            f"each upload: one result or a DLQ entry: {self.covered}",
            f"uploads only in the DLQ:   {self.uploads_only_in_dlq}",
            f"DLQ entries already done by a repeat: {self.stale_dead_letters}",
            f"redrive passes / replays:  {self.redrive_passes} / {self.redrive_replays}",
            f"DLQ after redrive:         {self.dlq_after_redrive}",
            f"results:                   {self.results} ({self.error_results} error results)",
            f"skipped as current:        {self.current_skips}",
            f"results rewritten:         {self.rewrites}",
            f"lost:                      {self.lost}",
            f"duplicated:                {self.duplicated}",
            f"faults injected:           {faults}",
            f"seconds:                   {self.seconds:.1f}",
        ]


def upload_set(count: int, seed: int) -> dict[str, bytes]:
    """Digit images under awkward keys (spaces, +, %), with a corrupt file every 25th."""
    from classifier_training.data import digit_images

    images, targets = digit_images()
    rng = random.Random(seed)
    uploads: dict[str, bytes] = {}
    for i in range(count):
        index = rng.randrange(len(images))
        suffix = SUFFIXES[i % len(SUFFIXES)]
        key = f"uploads/{i:04d} digit {int(targets[index])}+{i % 3}%{suffix}"
        if i % 25 == 24:
            uploads[key] = b"\x89PNG\r\n\x1a\n corrupt"
            continue
        buffer = io.BytesIO()
        fmt = {".png": "PNG", ".bmp": "BMP", ".gif": "GIF"}[suffix.lower()]
        images[index].save(buffer, format=fmt)
        uploads[key] = buffer.getvalue()
    return uploads


def invocation_record(event: Any, error: BaseException) -> dict[str, Any]:
    """What Lambda sends to the on-failure destination when the retries run out."""
    return {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{FUNCTION_ARN}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorMessage": str(error)[:200], "errorType": type(error).__name__},
    }


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


@contextlib.contextmanager
def no_retry_delays() -> Iterator[None]:
    from botocore.retries import standard

    with mock.patch.object(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0):
        yield


def run(
    uploads: int = 500,
    *,
    throttle_rate: float = 0.1,
    error_rate: float = 0.3,
    repeat_rate: float = 0.02,
    seed: int = 14,
    endpoint: str | None = None,
    max_redrive_passes: int = 100,
) -> ChaosReport:
    """One chaos run; the report's `ok` says whether nothing was lost or doubled."""
    import boto3

    from classifier_ops.redrive import local_replay, redrive
    from image_classifier import s3_results

    started = time.perf_counter()
    rng = random.Random(seed)
    report = ChaosReport()
    with moto_server(endpoint) as url, mock.patch.dict(os.environ, CREDENTIALS):
        os.environ["AWS_ENDPOINT_URL_S3"] = url
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        s3 = boto3.client("s3", endpoint_url=url)
        sqs = boto3.client("sqs", endpoint_url=url)
        bucket = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
        events_url, dlq_url = _setup(s3, sqs, bucket)

        handler = load_handler()
        s3_results.s3_client.cache_clear()
        faults = Faults(throttle_rate, error_rate, rng)
        s3_results.s3_client().meta.events.register("before-send.s3", faults.before_send)
        writes = _count_writes(s3_results.s3_client())
        summaries: list[dict[str, Any]] = []

        def invoke(event: Any) -> Any:
            report.invocations += 1
            reply = handler.classify_upload(event, None)
            summaries.append(reply)
            return reply

        files = upload_set(uploads, seed)
        for key, data in files.items():
            s3.put_object(Bucket=bucket, Key=key, Body=data)
        report.uploads = len(files)
        events = drain(sqs, events_url, len(files))
        deliveries = events + [e for e in events if rng.random() < repeat_rate]
        report.deliveries = len(deliveries)
        with no_retry_delays():
            for event in deliveries:
                _invoke_async(event, invoke, sqs, dlq_url, report)
            report.results_after_trigger = len(_result_keys(s3, bucket))
            report.dlq_before_redrive = _queue_depth(sqs, dlq_url)
            coverage = _coverage(s3, sqs, dlq_url, bucket, files)
            report.covered, report.uploads_only_in_dlq, report.stale_dead_letters = coverage
            while _queue_depth(sqs, dlq_url) and report.redrive_passes < max_redrive_passes:
                report.redrive_passes += 1
                outcome = redrive(sqs, dlq_url, local_replay(invoke), wait_seconds=0)
                report.redrive_replays += outcome.replayed
        s3_results.s3_client.cache_clear()
        report.dlq_after_redrive = _queue_depth(sqs, dlq_url)
        _final_counts(s3, bucket, files, writes, summaries, report)
        report.faults = dict(faults.injected)
    report.seconds = time.perf_counter() - started
    return report


def _count_writes(client: Any) -> Counter[str]:
    """How many times each key was written (PutObject answered 200) by the function."""
    writes: Counter[str] = Counter()

    def remember(params: Any, context: Any, **_: Any) -> None:
        context["chaos_key"] = params["Key"]

    def count(http_response: Any, context: Any, **_: Any) -> None:
        if http_response.status_code == 200:
            writes.update([context["chaos_key"]])

    client.meta.events.register("before-parameter-build.s3.PutObject", remember)
    client.meta.events.register("after-call.s3.PutObject", count)
    return writes


def _setup(s3: Any, sqs: Any, bucket: str) -> tuple[str, str]:
    s3.create_bucket(Bucket=bucket)
    events_url = sqs.create_queue(QueueName=f"{bucket}-events")["QueueUrl"]
    dlq_url = sqs.create_queue(
        QueueName=f"{bucket}-dlq", Attributes={"MessageRetentionPeriod": "1209600"}
    )["QueueUrl"]
    notify_queue(s3, sqs, bucket, events_url, SUFFIXES)
    return events_url, dlq_url


def notify_queue(s3: Any, sqs: Any, bucket: str, queue_url: str, suffixes: Any) -> None:
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


def _invoke_async(event: Any, invoke: Any, sqs: Any, dlq_url: str, report: ChaosReport) -> None:
    """Lambda's asynchronous invocation: the first try and up to 2 retries, then the DLQ."""
    for attempt in range(3):
        try:
            invoke(event)
            return
        except Exception as exc:
            if attempt == 2:
                record = invocation_record(event, exc)
                sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps(record))
                report.dead_lettered += 1


def _queue_depth(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _result_keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="results/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _dlq_keys(sqs: Any, dlq_url: str) -> Counter[str]:
    """The upload keys the dead-letter queue holds, read without consuming it."""
    from urllib.parse import unquote_plus

    keys: Counter[str] = Counter()
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            seen.add(message["ReceiptHandle"])
            payload = json.loads(message["Body"])["requestPayload"]
            keys.update(unquote_plus(r["s3"]["object"]["key"]) for r in payload["Records"])
    for handle in seen:
        sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return keys


def _coverage(
    s3: Any, sqs: Any, dlq_url: str, bucket: str, files: dict[str, bytes]
) -> tuple[bool, int, int]:
    """Whether every upload has exactly one result object or else a DLQ entry (and nothing
    else is there); how many uploads are only in the DLQ; how many DLQ entries are for uploads
    a repeat delivery already did (at-least-once delivery makes both possible)."""
    results = Counter(
        k.removeprefix("results/").removesuffix(".json") for k in _result_keys(s3, bucket)
    )
    dead = _dlq_keys(sqs, dlq_url)
    covered = all(results[key] == 1 or (results[key] == 0 and dead[key] > 0) for key in files)
    strays = (set(results) | set(dead)) - set(files)
    stale = sum(n for key, n in dead.items() if results[key])
    only_dead = sum(1 for key in files if not results[key] and dead[key])
    return covered and not strays, only_dead, stale


def _final_counts(
    s3: Any,
    bucket: str,
    files: dict[str, bytes],
    writes: Counter[str],
    summaries: list[dict[str, Any]],
    report: ChaosReport,
) -> None:
    keys = _result_keys(s3, bucket)
    sources = Counter(k.removeprefix("results/").removesuffix(".json") for k in keys)
    report.results = len(keys)
    report.lost = sum(1 for key in files if sources[key] == 0)
    report.duplicated = sum(n - 1 for n in sources.values() if n > 1) + sum(
        1 for key in sources if key not in files
    )
    report.rewrites = sum(n - 1 for n in writes.values() if n > 1)
    report.current_skips = sum(int(s.get("current", 0)) for s in summaries)
    report.error_results = sum(
        1
        for key in keys
        if "error" in json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--throttle-rate", type=float, default=0.1, help="per S3 request")
    parser.add_argument("--error-rate", type=float, default=0.3, help="per Get/PutObject")
    parser.add_argument("--repeat-rate", type=float, default=0.02, help="S3 re-deliveries")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--endpoint", default=None, help="a running moto server (default: own)")
    parser.add_argument("--log", type=Path, default=None, help="the function's log lines")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with (args.log or Path(os.devnull)).open("w") as log, contextlib.redirect_stdout(log):
        report = run(
            args.uploads,
            throttle_rate=args.throttle_rate,
            error_rate=args.error_rate,
            repeat_rate=args.repeat_rate,
            seed=args.seed,
            endpoint=args.endpoint,
        )
    print("\n".join(report.lines()))
    print("OK: nothing lost, nothing duplicated" if report.ok else "FAILED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The chaos run's counts, read from what is really there: the result objects in the bucket
(through ResultDocument), the dead-letter queue without consuming it, and the function's writes."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import unquote_plus

from classifier_devtools.chaos.report import ChaosReport
from image_classifier.result_document import ResultDocument

RESULTS_PREFIX = "results/"


def count_writes(client: Any) -> Counter[str]:
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


def result_keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=RESULTS_PREFIX)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def coverage(
    s3: Any, sqs: Any, dlq_url: str, bucket: str, files: dict[str, bytes]
) -> tuple[bool, int, int]:
    """Whether every upload has exactly one result object or else a DLQ entry (and nothing
    else is there); how many uploads are only in the DLQ; how many DLQ entries are for uploads
    a repeat delivery already did (at-least-once delivery makes both possible)."""
    results = _sources(result_keys(s3, bucket))
    dead = _dlq_keys(sqs, dlq_url)
    covered = all(results[key] == 1 or (results[key] == 0 and dead[key] > 0) for key in files)
    strays = (set(results) | set(dead)) - set(files)
    stale = sum(n for key, n in dead.items() if results[key])
    only_dead = sum(1 for key in files if not results[key] and dead[key])
    return covered and not strays, only_dead, stale


def final_counts(
    s3: Any,
    bucket: str,
    files: dict[str, bytes],
    writes: Counter[str],
    summaries: list[dict[str, Any]],
    report: ChaosReport,
) -> None:
    """Results, losses, duplicates, rewrites and skips once the redrive is done."""
    keys = result_keys(s3, bucket)
    sources = _sources(keys)
    report.results = len(keys)
    report.lost = sum(1 for key in files if sources[key] == 0)
    report.duplicated = sum(n - 1 for n in sources.values() if n > 1) + sum(
        1 for key in sources if key not in files
    )
    report.rewrites = sum(n - 1 for n in writes.values() if n > 1)
    report.current_skips = sum(int(s.get("current", 0)) for s in summaries)
    documents = (
        ResultDocument.from_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        for key in keys
    )
    report.error_results = sum(1 for document in documents if document.error is not None)


def _sources(keys: list[str]) -> Counter[str]:
    """The upload key each result object is named after, counted."""
    return Counter(k.removeprefix(RESULTS_PREFIX).removesuffix(".json") for k in keys)


def _dlq_keys(sqs: Any, dlq_url: str) -> Counter[str]:
    """The upload keys the dead-letter queue holds, read without consuming it."""
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

"""One chaos run, start to end: upload, deliver each S3 event as Lambda would with faults on,
redrive the dead-letter queue until it is empty, then count."""

from __future__ import annotations

import os
import random
import time
import uuid
from typing import Any
from unittest import mock

from classifier_devtools.chaos.counts import count_writes, coverage, final_counts, result_keys
from classifier_devtools.chaos.faults import Faults, no_retry_delays
from classifier_devtools.chaos.lambda_async import invoke_async
from classifier_devtools.chaos.moto_stage import create_stage, drain, moto_server, queue_depth
from classifier_devtools.chaos.report import ChaosReport
from classifier_devtools.chaos.uploads import SUFFIXES, upload_set
from classifier_devtools.paths import load_handler

BUCKET = "chaos-uploads"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


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
        events_url, dlq_url = create_stage(s3, sqs, bucket, SUFFIXES)

        handler = load_handler()
        s3_results.s3_client.cache_clear()
        faults = Faults(throttle_rate, error_rate, rng)
        s3_results.s3_client().meta.events.register("before-send.s3", faults.before_send)
        writes = count_writes(s3_results.s3_client())
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
                if invoke_async(event, invoke, sqs, dlq_url):
                    report.dead_lettered += 1
            report.results_after_trigger = len(result_keys(s3, bucket))
            report.dlq_before_redrive = queue_depth(sqs, dlq_url)
            report.covered, report.uploads_only_in_dlq, report.stale_dead_letters = coverage(
                s3, sqs, dlq_url, bucket, files
            )
            while queue_depth(sqs, dlq_url) and report.redrive_passes < max_redrive_passes:
                report.redrive_passes += 1
                outcome = redrive(sqs, dlq_url, local_replay(invoke), wait_seconds=0)
                report.redrive_replays += outcome.replayed
        s3_results.s3_client.cache_clear()
        report.dlq_after_redrive = queue_depth(sqs, dlq_url)
        final_counts(s3, bucket, files, writes, summaries, report)
        report.faults = dict(faults.injected)
    report.seconds = time.perf_counter() - started
    return report

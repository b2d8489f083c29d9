"""Redrive against moto's SQS and S3: replay, delete only after success, report counts."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import asdict, replace

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from classifier_ops import redrive as redrive_module
from classifier_ops.redrive import event_of, lambda_replay, local_replay, redrive
from image_classifier import s3_results
from image_classifier.s3_trigger import handle_upload_event
from tests.support import envelopes
from tests.support.factories import digit_png, label
from tests.support.moto_s3 import BUCKET, mocked_s3, read_result, result_keys

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:image-classifier-dev-classifyUpload"
KEYS = {"uploads/a b.png": "1", "uploads/c+d.png": "2", "uploads/e%f.png": "3"}


def invocation_record(event, error="TransientFailure"):
    """Lambda's on-failure destination record for an asynchronous invocation."""
    return {
        "version": "1.0",
        "timestamp": "2026-01-01T00:00:05.123Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-4fb9-8880-a18cdf61200e",
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
        "responsePayload": {"errorMessage": "1 record(s) failed", "errorType": error},
    }


@pytest.fixture
def aws():
    with mocked_s3() as s3:
        for key, digit in KEYS.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=digit_png(digit))
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="uploads-dlq")["QueueUrl"]
        yield s3, sqs, url


@pytest.fixture
def trigger(aws, classifier, handler_module):
    s3, _, _ = aws

    def trigger(event, **overrides):
        settings = replace(handler_module.SETTINGS, **overrides)
        return handle_upload_event(event, classifier, settings, s3)

    return trigger


def test_event_of_unwraps_invocation_records_and_wraps_moved_sqs_bodies():
    event = envelopes.direct(BUCKET, ["uploads/x.png"])
    assert event_of(json.dumps(invocation_record(event)), "id-1") == event
    moved = event_of(json.dumps(event), "id-2")
    (record,) = moved["Records"]
    assert record["eventSource"] == "aws:sqs" and record["messageId"] == "id-2"
    assert json.loads(record["body"]) == event


def test_redrive_replays_every_kind_of_dead_letter_and_empties_the_queue(aws, trigger):
    s3, sqs, url = aws
    a, c, e = list(KEYS)
    sqs.send_message(
        QueueUrl=url, MessageBody=json.dumps(invocation_record(envelopes.direct(BUCKET, [a])))
    )
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(envelopes.direct(BUCKET, [c])))
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps(envelopes.sns_notification(envelopes.direct(BUCKET, [e]))),
    )
    report = redrive(sqs, url, local_replay(trigger))
    assert asdict(report) == {
        "received": 3,
        "replayed": 3,
        "deleted": 3,
        "failed": 0,
        "unreadable": 0,
        "left": 0,
    }
    for key, digit in KEYS.items():
        assert read_result(s3, key)["predictions"][0]["label"] == label(int(digit))


def test_a_failed_replay_stays_in_the_queue(aws, trigger):
    s3, sqs, url = aws
    a, c, _ = list(KEYS)

    def fail_c(params, **_):
        if params.get("Key") == c:
            error = {"Code": "InternalError", "Message": "boom"}
            raise ClientError(
                {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 500}}, "GetObject"
            )

    s3.meta.events.register("before-parameter-build.s3.GetObject", fail_c)
    for key in (a, c):
        sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(invocation_record(envelopes.direct(BUCKET, [key])))
        )
    sqs.send_message(QueueUrl=url, MessageBody="not json at all")
    report = redrive(sqs, url, local_replay(trigger))
    assert (report.deleted, report.failed, report.unreadable) == (1, 1, 1)
    assert report.received == 3 and report.left == 2
    again = redrive(sqs, url, local_replay(trigger))
    assert (again.received, again.failed, again.unreadable) == (2, 1, 1)
    assert result_keys(s3) == [f"results/{a}.json"]


def test_a_replay_that_returns_batch_item_failures_is_not_deleted(aws, trigger):
    _, sqs, url = aws
    body = json.dumps({"Records": [{"eventSource": "aws:kinesis"}]})
    sqs.send_message(QueueUrl=url, MessageBody=body)
    report = redrive(sqs, url, local_replay(trigger), limit=1)
    assert (report.replayed, report.deleted, report.failed, report.left) == (1, 0, 1, 1)


def test_replaying_twice_costs_nothing_the_second_time(aws, trigger):
    _, sqs, url = aws
    event = envelopes.direct(BUCKET, list(KEYS))
    assert trigger(event)["classified"] == 3
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(invocation_record(event)))
    replies = []
    report = redrive(sqs, url, local_replay(lambda e: replies.append(trigger(e)) or replies[-1]))
    assert report.deleted == 1 and replies[0]["current"] == 3 and replies[0]["classified"] == 0


def test_lambda_replay_invokes_synchronously_and_reads_function_errors(aws):
    """lambda:Invoke against moto's Lambda needs Docker, so botocore's Stubber checks the call
    against the real service model instead."""
    client = boto3.client("lambda", region_name="us-east-1")
    event = envelopes.direct(BUCKET, ["uploads/x.png"])
    with Stubber(client) as stub:
        for error, payload in ((None, b'{"classified": 1}'), ("Unhandled", b'{"errorType": "X"}')):
            response = {
                "StatusCode": 200,
                "Payload": StreamingBody(io.BytesIO(payload), len(payload)),
            }
            if error:
                response["FunctionError"] = error
            stub.add_response(
                "invoke",
                response,
                {
                    "FunctionName": "fn",
                    "InvocationType": "RequestResponse",
                    "Payload": json.dumps(event).encode(),
                },
            )
        replay = lambda_replay(client, "fn")
        assert replay(event) is True
        assert replay(event) is False


def test_the_command_line_redrives_locally_and_prints_counts(aws):
    s3, sqs, url = aws
    event = envelopes.direct(BUCKET, list(KEYS))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(invocation_record(event)))
    s3_results.s3_client.cache_clear()
    out = io.StringIO()
    with redirect_stdout(out):
        code = redrive_module.main(["--queue-url", url, "--local", "--region", "us-east-1"])
    s3_results.s3_client.cache_clear()
    assert code == 0
    assert json.loads(out.getvalue().splitlines()[-1])["deleted"] == 1
    assert len(result_keys(s3)) == 3

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from classifier_devtools.events import s3_event
from image_classifier import s3_trigger
from image_classifier.s3_trigger import (
    TransientFailure,
    UnrecognisedEvent,
    handle_upload_event,
    result_key,
)
from tests.support.factories import MODEL_REF, digit_png, encode, gray, label

BUCKET = "uploads-bucket"


@pytest.fixture
def s3(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def settings(handler_module):
    return handler_module.SETTINGS


@pytest.fixture
def run(s3, classifier, settings):
    def run(event, **overrides):
        return handle_upload_event(event, classifier, replace(settings, **overrides), s3)

    return run


def upload(s3, key, data):
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)


def result(s3, key, bucket=BUCKET):
    obj = s3.get_object(Bucket=bucket, Key=f"results/{key}.json")
    assert obj["ContentType"] == "application/json"
    return json.loads(obj["Body"].read())


def fail_calls(s3, operation, key, code, status):
    """Make the real client fail one operation for one key, as S3 would."""

    def maybe_fail(params, **_):
        if params.get("Key") == key:
            raise ClientError(
                {
                    "Error": {"Code": code, "Message": code},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                },
                operation,
            )

    s3.meta.events.register(f"before-parameter-build.s3.{operation}", maybe_fail)


KEYS = {
    "uploads/my photo.png": "3",
    "uploads/a+b=c.png": "5",
    "uploads/ünïcødé 数字.png": "8",
}


def test_several_records_with_encoded_keys_are_all_classified(s3, run):
    for key, digit in KEYS.items():
        upload(s3, key, digit_png(digit))
    summary = run(s3_event(BUCKET, list(KEYS)))
    assert summary == {
        "classified": 3,
        "failed": 0,
        "skipped": 0,
        "current": 0,
        "transient": 0,
        "unrecognised": 0,
    }
    for key, digit in KEYS.items():
        document = result(s3, key)
        assert document["predictions"][0]["label"] == label(int(digit))
        assert document["source"]["bucket"] == BUCKET and document["source"]["key"] == key
        assert document["source"]["size"] == len(digit_png(digit))
        assert document["source"]["etag"] and "version_id" in document["source"]
        assert document["model"] == MODEL_REF
        assert document["classified_at"].endswith("+00:00")


def test_event_keys_arrive_url_encoded():
    encoded = s3_event(BUCKET, ["uploads/my photo+1.png"])["Records"][0]["s3"]["object"]["key"]
    assert encoded == "uploads/my+photo%2B1.png"


def test_corrupt_and_non_image_objects_get_error_results_without_raising(s3, run):
    upload(s3, "uploads/corrupt.png", b"\x89PNG\r\n\x1a\n" + b"\0garbage" * 50)
    upload(s3, "uploads/notes.jpg", b"just some text, not a picture")
    upload(s3, "uploads/good.png", digit_png("1"))
    summary = run(
        s3_event(BUCKET, ["uploads/corrupt.png", "uploads/notes.jpg", "uploads/good.png"])
    )
    assert summary == {
        "classified": 1,
        "failed": 2,
        "skipped": 0,
        "current": 0,
        "transient": 0,
        "unrecognised": 0,
    }
    for key in ("uploads/corrupt.png", "uploads/notes.jpg"):
        document = result(s3, key)
        assert document["error"]["code"] == "invalid_image" and "predictions" not in document
        assert document["source"]["key"] == key
    assert result(s3, "uploads/good.png")["predictions"][0]["label"] == label(1)


def test_too_many_pixels_is_a_permanent_error(s3, run):
    upload(s3, "uploads/huge.png", encode(gray(0, (3000, 3000))))
    assert run(s3_event(BUCKET, ["uploads/huge.png"]), max_image_pixels=1_000_000)["failed"] == 1
    assert result(s3, "uploads/huge.png")["error"]["code"] == "image_too_many_pixels"


def test_oversized_object_is_never_downloaded(s3, run):
    big = encode(gray(0, (200, 200)), "BMP")
    upload(s3, "uploads/big.bmp", big)
    downloads = []
    s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: downloads.append(params["Key"])
    )
    summary = run(s3_event(BUCKET, ["uploads/big.bmp"]), max_image_bytes=len(big) - 1)
    assert summary["failed"] == 1 and downloads == []
    document = result(s3, "uploads/big.bmp")
    assert document["error"]["code"] == "image_too_large"
    assert document["source"]["size"] == len(big)


def test_object_deleted_before_the_handler_runs(s3, run):
    upload(s3, "uploads/gone.png", digit_png("2"))
    s3.delete_object(Bucket=BUCKET, Key="uploads/gone.png")
    assert run(s3_event(BUCKET, ["uploads/gone.png"]))["failed"] == 1
    assert result(s3, "uploads/gone.png")["error"]["code"] == "source_missing"


def test_access_denied_on_read_is_permanent(s3, run):
    upload(s3, "uploads/locked.png", digit_png("2"))
    fail_calls(s3, "HeadObject", "uploads/locked.png", "AccessDenied", 403)
    assert run(s3_event(BUCKET, ["uploads/locked.png"]))["failed"] == 1
    assert result(s3, "uploads/locked.png")["error"]["code"] == "source_unreadable"


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ("PutObject", "InternalError", 500),
        ("GetObject", "SlowDown", 503),
        ("HeadObject", "ServiceUnavailable", 503),
    ],
)
def test_transient_failure_raises_after_the_other_records_are_done(
    s3, run, operation, code, status
):
    keys = ["uploads/one.png", "uploads/two.png", "uploads/three.png"]
    for key in keys:
        upload(s3, key, digit_png("4"))
    fail_calls(s3, operation, result_key_or_source(operation, "uploads/two.png"), code, status)
    with pytest.raises(TransientFailure, match=r"uploads/two\.png"):
        run(s3_event(BUCKET, keys))
    assert result(s3, "uploads/one.png")["predictions"][0]["label"] == label(4)
    assert result(s3, "uploads/three.png")["predictions"][0]["label"] == label(4)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=BUCKET, Key="results/uploads/two.png.json")


def result_key_or_source(operation, key):
    return f"results/{key}.json" if operation == "PutObject" else key


def test_results_prefix_and_non_image_keys_are_skipped(s3, run, captured_logs):
    upload(s3, "results/uploads/x.png.json", b"{}")
    upload(s3, "uploads/readme.txt", b"hello")
    summary = run(
        s3_event(BUCKET, ["results/uploads/x.png.json", "uploads/readme.txt", "uploads/folder/"])
    )
    assert summary == {
        "classified": 0,
        "failed": 0,
        "skipped": 3,
        "current": 0,
        "transient": 0,
        "unrecognised": 0,
    }
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(o["Key"] for o in listed) == ["results/uploads/x.png.json", "uploads/readme.txt"]
    reasons = [line["reason"] for line in captured_logs.lines if line.get("outcome") == "skipped"]
    assert reasons == ["results_prefix", "not_an_image_suffix", "not_an_image_suffix"]


def test_redelivery_rewrites_the_same_result(s3, run):
    upload(s3, "uploads/again.png", digit_png("6"))
    event = s3_event(BUCKET, ["uploads/again.png"])
    run(event)
    first = result(s3, "uploads/again.png")
    run(event)
    second = result(s3, "uploads/again.png")
    assert first.pop("classified_at") and second.pop("classified_at")
    assert first == second
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="results/")["Contents"]] == [
        "results/uploads/again.png.json"
    ]


def test_results_can_go_to_another_bucket(s3, run):
    s3.create_bucket(Bucket="results-bucket")
    upload(s3, "uploads/x.png", digit_png("0"))
    run(s3_event(BUCKET, ["uploads/x.png"]), results_bucket="results-bucket")
    document = result(s3, "uploads/x.png", bucket="results-bucket")
    assert document["predictions"][0]["label"] == label(0)


def test_result_key_is_prefix_plus_source_key_plus_json(settings):
    assert result_key(settings, "uploads/a b.png") == "results/uploads/a b.png.json"


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {},
        {"Records": "nope"},
        {"Records": []},
        {"Records": [{}]},
        {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {}}}]},
        {"Records": [None, 7, "x"]},
        {"Records": [{"eventSource": "aws:kinesis", "kinesis": {}}]},
        {"detail-type": "Object Created", "source": "aws.ec2", "detail": {}},
        {"image": "aGVsbG8="},
    ],
    ids=[
        "none",
        "list",
        "empty",
        "records-not-list",
        "no-records",
        "empty-record",
        "no-key",
        "junk",
        "kinesis",
        "eventbridge-not-s3",
        "http-document",
    ],
)
def test_an_event_it_cannot_read_raises_so_the_platform_retries_and_dead_letters(
    run, event, captured_logs
):
    with pytest.raises(UnrecognisedEvent):
        run(event)
    assert [line["outcome"] for line in captured_logs.lines] == ["unrecognised"]


def test_events_other_than_object_creation_are_skipped_and_logged(run, captured_logs):
    record = {
        **s3_event(BUCKET, ["uploads/x.png"])["Records"][0],
        "eventName": "ObjectRemoved:Delete",
    }
    summary = run({"Records": [record]})
    assert summary["skipped"] == 1 and summary["classified"] == summary["transient"] == 0
    skipped = [line for line in captured_logs.lines if line.get("outcome") == "skipped"]
    assert skipped[0]["reason"] == "not_an_object_created_event"


def test_one_log_line_per_record_without_image_bytes(s3, run, captured_logs):
    upload(s3, "uploads/a.png", digit_png("7"))
    upload(s3, "uploads/b.png", b"broken")
    run(s3_event(BUCKET, ["uploads/a.png", "uploads/b.png"]))
    records = [line for line in captured_logs.lines if line["event"] == "s3_record"]
    assert [(r["key"], r["outcome"]) for r in records] == [
        ("uploads/a.png", "classified"),
        ("uploads/b.png", "failed"),
    ]
    assert records[0]["top_label"] == label(7) and records[0]["bucket"] == BUCKET
    assert all("latency_ms" in r for r in records)
    assert "broken" not in "\n".join(captured_logs)


def test_handler_entry_point_creates_its_client_once(s3, handler_module):
    s3_trigger.s3_client.cache_clear()
    upload(s3, "uploads/h.png", digit_png("9"))
    summary = handler_module.classify_upload(s3_event(BUCKET, ["uploads/h.png"]), None)
    assert summary["classified"] == 1
    assert s3_trigger.s3_client() is s3_trigger.s3_client()
    s3_trigger.s3_client.cache_clear()

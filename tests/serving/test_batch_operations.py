"""S3 Batch Operations: both schemas, every result code, the same result objects as the trigger."""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from classifier_devtools.events import s3_event
from image_classifier.batch_operations import UnrecognisedJob, handle_batch_job
from image_classifier.s3_trigger import handle_upload_event
from tests.support import envelopes
from tests.support.factories import MODEL_REF, digit_png, label, load_event
from tests.support.moto_s3 import BUCKET, mocked_s3, read_result, result_keys

KEYS = {"uploads/cat 1.png": "1", "uploads/a+b=7.png": "7", "uploads/100%.png": "5"}


@pytest.fixture
def s3():
    with mocked_s3() as client:
        for key, digit in KEYS.items():
            client.put_object(Bucket=BUCKET, Key=key, Body=digit_png(digit))
        yield client


@pytest.fixture
def job(s3, classifier, handler_module):
    def job(event, **overrides):
        settings = replace(handler_module.SETTINGS, **overrides)
        return handle_batch_job(event, classifier, settings, s3)

    return job


def codes(response):
    return [(r["taskId"], r["resultCode"]) for r in response["results"]]


@pytest.mark.parametrize("schema", ["1.0", "2.0"])
def test_both_schemas_classify_url_encoded_keys_and_answer_as_required(s3, job, schema):
    event = envelopes.batch_job(schema, BUCKET, list(KEYS))
    response = job(event)
    assert response["invocationSchemaVersion"] == schema
    assert response["treatMissingKeysAs"] == "PermanentFailure"
    assert response["invocationId"] == event["invocationId"]
    assert codes(response) == [
        ("task-0", "Succeeded"),
        ("task-1", "Succeeded"),
        ("task-2", "Succeeded"),
    ]
    for key, digit in KEYS.items():
        document = read_result(s3, key)
        assert document["predictions"][0]["label"] == label(int(digit))
        assert document["model"] == MODEL_REF and document["source"]["key"] == key
    assert response["results"][0]["resultString"] == f"classified: {label(1)}"


def test_schema_1_names_the_bucket_by_arn_and_2_by_name():
    v1, v2 = load_event("s3_batch_operations_v1"), load_event("s3_batch_operations_v2")
    assert v1["tasks"][0]["s3BucketArn"].endswith(":::image-classifier-dev-uploads")
    assert v2["tasks"][0]["s3Bucket"] == "image-classifier-dev-uploads"
    assert "userArguments" in v2["job"] and "userArguments" not in v1["job"]


def test_the_job_writes_what_the_trigger_writes(s3, job, classifier, handler_module):
    key = "uploads/cat 1.png"
    handle_upload_event(s3_event(BUCKET, [key]), classifier, handler_module.SETTINGS, s3)
    by_trigger = read_result(s3, key)
    job(envelopes.batch_job("2.0", BUCKET, [key], {"force": "true"}))
    by_job = read_result(s3, key)
    assert by_trigger.pop("classified_at") <= by_job.pop("classified_at")
    assert by_trigger == by_job


def test_a_repeated_job_skips_what_is_current_unless_forced(s3, job):
    event = envelopes.batch_job("2.0", BUCKET, list(KEYS))
    job(event)
    gets = []
    s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: gets.append(params["Key"])
    )
    again = job(event)
    assert {r["resultString"] for r in again["results"]} == {
        "current: already classified by this model"
    }
    assert gets == []
    forced = job(envelopes.batch_job("2.0", BUCKET, list(KEYS), {"force": "true"}))
    assert all(r["resultString"].startswith("classified") for r in forced["results"])
    assert sorted(gets) == sorted(KEYS)


def test_user_arguments_choose_the_results_prefix(s3, job):
    job(envelopes.batch_job("2.0", BUCKET, ["uploads/cat 1.png"], {"resultsPrefix": "backfilled"}))
    assert result_keys(s3, prefix="backfilled/") == ["backfilled/uploads/cat 1.png.json"]
    assert result_keys(s3) == []


def test_permanent_failures_say_why_in_a_few_words(s3, job):
    s3.put_object(Bucket=BUCKET, Key="uploads/broken.png", Body=b"not a picture")
    event = envelopes.batch_job(
        "1.0", BUCKET, ["uploads/broken.png", "uploads/gone.png", "uploads/notes.txt"]
    )
    event["tasks"].append({"taskId": "task-3", "s3BucketArn": f"arn:aws:s3:::{BUCKET}"})
    response = job(event)
    assert [r["resultCode"] for r in response["results"]] == ["PermanentFailure"] * 4
    assert [r["resultString"] for r in response["results"]] == [
        "error result written: invalid_image",
        "error result written: source_missing",
        "not classified: not_an_image_suffix",
        "malformed task: no bucket or key",
    ]
    assert read_result(s3, "uploads/broken.png")["error"]["code"] == "invalid_image"


def fail(s3, operation, error):
    def raise_error(params, **_):
        if params.get("Key", "").endswith("a+b=7.png") or operation == "PutObject":
            raise error

    s3.meta.events.register(f"before-parameter-build.s3.{operation}", raise_error)


def client_error(code, status):
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetObject",
    )


@pytest.mark.parametrize(
    ("operation", "error", "code", "reason"),
    [
        ("GetObject", client_error("SlowDown", 503), "TemporaryFailure", "retry: SlowDown"),
        (
            "GetObject",
            client_error("InternalError", 500),
            "TemporaryFailure",
            "retry: InternalError",
        ),
        (
            "GetObject",
            ReadTimeoutError(endpoint_url="https://s3"),
            "TemporaryFailure",
            "retry: ReadTimeoutError",
        ),
        (
            "PutObject",
            client_error("AccessDenied", 403),
            "PermanentFailure",
            "results write denied",
        ),
    ],
    ids=["throttled", "5xx", "timeout", "results-denied"],
)
def test_faults_map_to_temporary_or_permanent(s3, job, operation, error, code, reason):
    response = job(envelopes.batch_job("2.0", BUCKET, ["uploads/a+b=7.png"]))
    (result,) = response["results"]
    assert result["resultCode"] == "Succeeded"
    fail(s3, operation, error)
    (result,) = job(
        envelopes.batch_job("2.0", BUCKET, ["uploads/a+b=7.png"]), force_reclassify=True
    )["results"]
    assert result["resultCode"] == code and result["resultString"].startswith(reason)


@pytest.mark.parametrize("event", [None, {}, {"tasks": "nope"}, load_event("s3_put")])
def test_an_event_that_is_not_a_job_raises(job, event):
    with pytest.raises(UnrecognisedJob):
        job(event)

"""S3 events however they arrive: directly, via SQS, SNS, SNS then SQS, or EventBridge."""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from image_classifier.s3_envelopes import UnrecognisedEvent, unwrap
from image_classifier.s3_trigger import TransientFailure, handle_upload_event, process_delivery
from tests.support import envelopes
from tests.support.factories import digit_png, label, load_event
from tests.support.moto_s3 import BUCKET, mocked_s3, read_result, result_keys

FIXTURE_KEY = "uploads/my digit+4.png"
# Spaces, plus signs and percent signs are where encoded and plain keys part ways.
AWKWARD_KEYS = ["uploads/a b.png", "uploads/a+b.png", "uploads/100% sure.png", "uploads/ü 数+.png"]


@pytest.mark.parametrize(
    ("fixture", "source"),
    [
        ("s3_put", "s3"),
        ("s3_sqs", "sqs"),
        ("s3_sns", "sns"),
        ("s3_sns_sqs", "sqs"),
        ("s3_eventbridge", "eventbridge"),
    ],
)
def test_every_fixture_names_the_uploaded_object_decoded(fixture, source):
    delivery = unwrap(load_event(fixture))
    assert delivery.source == source
    refs = [ref for message in delivery.messages for ref in message.refs]
    assert [(r.bucket, r.key, r.created) for r in refs] == [
        ("image-classifier-dev-uploads", FIXTURE_KEY, True)
    ]


@pytest.mark.parametrize("key", AWKWARD_KEYS)
@pytest.mark.parametrize("wrap", ["direct", "sqs", "sns", "sns_sqs", "eventbridge"])
def test_awkward_keys_decode_once_in_every_envelope(wrap, key):
    event = {
        "direct": lambda: envelopes.direct(BUCKET, [key]),
        "sqs": lambda: envelopes.sqs(envelopes.direct(BUCKET, [key])),
        "sns": lambda: envelopes.sns(envelopes.direct(BUCKET, [key])),
        "sns_sqs": lambda: envelopes.sns_sqs(envelopes.direct(BUCKET, [key])),
        "eventbridge": lambda: envelopes.eventbridge(BUCKET, key),
    }[wrap]()
    (message,) = unwrap(event).messages
    assert [ref.key for ref in message.refs] == [key]


def test_eventbridge_keys_arrive_url_encoded():
    encoded = envelopes.eventbridge(BUCKET, "uploads/a b+c%.png")["detail"]["object"]["key"]
    assert encoded == "uploads/a+b%2Bc%25.png"


@pytest.fixture
def s3():
    with mocked_s3() as client:
        yield client


@pytest.fixture
def run(s3, classifier, handler_module):
    def run(event, **overrides):
        settings = replace(handler_module.SETTINGS, **overrides)
        return handle_upload_event(event, classifier, settings, s3)

    return run


@pytest.fixture
def counts(s3, classifier, handler_module):
    def counts(event):
        summary = process_delivery(unwrap(event), classifier, handler_module.SETTINGS, s3)
        return summary.to_dict(), summary.failed_messages

    return counts


def upload(s3, keys_digits):
    for key, digit in keys_digits.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=digit_png(digit))


UPLOADS = {"uploads/one 1.png": "1", "uploads/two+2.png": "2", "uploads/three%3.png": "3"}


@pytest.mark.parametrize("wrap", ["direct", "sqs", "sns", "sns_sqs", "eventbridge"])
def test_every_envelope_classifies_every_object(s3, run, counts, wrap):
    upload(s3, UPLOADS)
    keys = list(UPLOADS)
    event = {
        "direct": lambda: envelopes.direct(BUCKET, keys),
        "sqs": lambda: envelopes.sqs(*(envelopes.direct(BUCKET, [k]) for k in keys)),
        "sns": lambda: envelopes.sns(envelopes.direct(BUCKET, keys)),
        "sns_sqs": lambda: envelopes.sns_sqs(*(envelopes.direct(BUCKET, [k]) for k in keys)),
        "eventbridge": None,
    }[wrap]
    if event is None:
        summaries = [counts(envelopes.eventbridge(BUCKET, k))[0] for k in keys]
        assert sum(s["classified"] for s in summaries) == 3
    else:
        summary, failed = counts(event())
        assert summary["classified"] == 3 and failed == []
        assert summary["transient"] == summary["skipped"] == summary["unrecognised"] == 0
    for key, digit in UPLOADS.items():
        assert read_result(s3, key)["predictions"][0]["label"] == label(int(digit))
    assert result_keys(s3) == sorted(f"results/{k}.json" for k in UPLOADS)


def fail_get(s3, key, code="SlowDown", status=503):
    def maybe_fail(params, **_):
        if params.get("Key") == key:
            error = {"Code": code, "Message": code}
            meta = {"HTTPStatusCode": status}
            raise ClientError({"Error": error, "ResponseMetadata": meta}, "GetObject")

    s3.meta.events.register("before-parameter-build.s3.GetObject", maybe_fail)


def test_sqs_returns_only_the_failed_messages(s3, run, counts):
    upload(s3, UPLOADS)
    fail_get(s3, "uploads/two+2.png")
    event = envelopes.sqs(
        envelopes.direct(BUCKET, ["uploads/one 1.png"]),
        envelopes.direct(BUCKET, ["uploads/two+2.png"]),
        "this body is not JSON",
        envelopes.TEST_EVENT,
        envelopes.sns_notification(envelopes.direct(BUCKET, ["uploads/three%3.png"])),
        {"Records": [{"eventSource": "aws:kinesis"}]},
    )
    reply = run(event)
    assert reply == {"batchItemFailures": [{"itemIdentifier": i} for i in ("m1", "m2", "m5")]}
    summary, _ = counts(event)
    assert summary == {
        "classified": 0,
        "failed": 0,
        "skipped": 1,
        "current": 2,
        "transient": 1,
        "unrecognised": 2,
    }
    assert result_keys(s3) == ["results/uploads/one 1.png.json", "results/uploads/three%3.png.json"]


@pytest.mark.parametrize("wrap", ["direct", "sns", "eventbridge"])
def test_asynchronous_sources_raise_a_transient_failure_after_the_rest(s3, run, wrap):
    upload(s3, UPLOADS)
    fail_get(s3, "uploads/two+2.png", "InternalError", 500)
    keys = list(UPLOADS)
    if wrap == "eventbridge":
        with pytest.raises(TransientFailure):
            run(envelopes.eventbridge(BUCKET, "uploads/two+2.png"))
        return
    event = envelopes.direct(BUCKET, keys)
    with pytest.raises(TransientFailure, match=r"two\+2"):
        run(event if wrap == "direct" else envelopes.sns(event))
    assert result_keys(s3) == ["results/uploads/one 1.png.json", "results/uploads/three%3.png.json"]


@pytest.mark.parametrize(
    "event",
    [
        envelopes.TEST_EVENT,
        envelopes.sqs(envelopes.TEST_EVENT),
        envelopes.sns(envelopes.TEST_EVENT),
        envelopes.sns_sqs(envelopes.TEST_EVENT),
        envelopes.eventbridge(BUCKET, "uploads/x.png", "Object Deleted"),
        envelopes.eventbridge(BUCKET, "uploads/notes.txt"),
    ],
    ids=["direct", "sqs", "sns", "sns-sqs", "eventbridge-deleted", "eventbridge-not-an-image"],
)
def test_test_events_and_non_creations_are_skipped_with_success(s3, run, counts, event):
    summary, failed = counts(event)
    assert summary["skipped"] == 1 and failed == []
    assert summary["classified"] == summary["transient"] == summary["unrecognised"] == 0
    reply = run(event)
    assert reply == {"batchItemFailures": []} or reply["skipped"] == 1
    assert result_keys(s3) == []


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "not json"}}]},
        envelopes.sns({"Records": [{"eventSource": "aws:dynamodb"}]}),
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
        {**envelopes.eventbridge(BUCKET, "uploads/x.png"), "source": "aws.ec2"},
    ],
    ids=["sns-not-json", "sns-not-s3", "sqs-without-message-id", "eventbridge-not-s3"],
)
def test_unreadable_wrappers_raise(run, event):
    with pytest.raises(UnrecognisedEvent):
        run(event)

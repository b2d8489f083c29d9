"""Skip-if-current: a result made from the same ETag by the same model is not made again."""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from classifier_devtools.events import s3_event
from image_classifier import s3_results
from image_classifier.result_document import ModelRef, ResultDocument
from image_classifier.s3_trigger import handle_upload_event
from tests.support.factories import CARD, digit_png, label
from tests.support.moto_s3 import BUCKET, count_calls, mocked_s3, result_keys

KEYS = [f"uploads/digit {i}.png" for i in range(10)]


@pytest.fixture
def s3():
    with mocked_s3() as client:
        for i, key in enumerate(KEYS):
            client.put_object(Bucket=BUCKET, Key=key, Body=digit_png(str(i)))
        yield client


@pytest.fixture
def run(s3, classifier, handler_module):
    def run(**overrides):
        settings = replace(handler_module.SETTINGS, **overrides)
        return handle_upload_event(s3_event(BUCKET, KEYS), classifier, settings, s3)

    return run


def test_results_carry_the_source_etag_and_the_cards_model_sha256(s3, run):
    run()
    head = s3.head_object(Bucket=BUCKET, Key=f"results/{KEYS[0]}.json")
    source_etag = s3.head_object(Bucket=BUCKET, Key=KEYS[0])["ETag"].strip('"')
    assert head["Metadata"] == {"source-etag": source_etag, "model-sha256": CARD["model_sha256"]}


def test_every_object_written_reads_back_as_a_result_document(s3, run):
    s3.delete_object(Bucket=BUCKET, Key=KEYS[0])
    run()
    head = s3.head_object(Bucket=BUCKET, Key=KEYS[4])
    documents = {
        key: ResultDocument.from_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        for key in result_keys(s3)
    }
    classified = documents[f"results/{KEYS[4]}.json"]
    assert classified.model == ModelRef(CARD["name"], CARD["version"])
    assert classified.source.etag == head["ETag"].strip('"')
    assert classified.top is not None and classified.top.label == label(4)
    missing = documents[f"results/{KEYS[0]}.json"]
    assert missing.error is not None and missing.error.code == "source_missing"
    assert len(documents) == len(KEYS)


def test_a_repeated_run_downloads_and_classifies_nothing(s3, run):
    first = run()
    gets, puts = count_calls(s3, "GetObject"), count_calls(s3, "PutObject")
    second = run()
    print(f"first run: {first}\nrepeated run: {second}")
    assert first["classified"] == 10 and first["current"] == 0
    assert second["classified"] == 0 and second["current"] == 10
    assert gets == [] and puts == []


def test_a_new_upload_under_the_same_key_is_classified_again(s3, run):
    run()
    s3.put_object(Bucket=BUCKET, Key=KEYS[3], Body=digit_png("8"))
    summary = run()
    assert summary["classified"] == 1 and summary["current"] == 9


def test_a_new_model_classifies_everything_again(s3, run, monkeypatch):
    run()
    monkeypatch.setattr(s3_results, "model_sha256", lambda classifier: "0" * 64)
    assert run()["classified"] == 10


def test_force_reclassify_overrides(s3, run):
    run()
    assert run(force_reclassify=True)["classified"] == 10


def test_an_unreadable_old_result_means_classify_again(s3, run):
    run()

    def denied(params, **_):
        if params["Key"].startswith("results/"):
            raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    s3.meta.events.register("before-parameter-build.s3.HeadObject", denied)
    assert run()["classified"] == 10


def test_error_results_without_an_etag_are_never_current(s3, run):
    s3.delete_object(Bucket=BUCKET, Key=KEYS[0])
    assert run()["failed"] == 1
    summary = run()
    assert summary["failed"] == 1 and summary["current"] == 9

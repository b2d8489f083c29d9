"""EMF documents as written to stdout: shape (CloudWatch's rules) and values, no AWS call."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from classifier_devtools.events import s3_event
from image_classifier import s3_trigger
from image_classifier.metrics import EMF_MAX_VALUES, ServingMetrics
from image_classifier.s3_trigger import handle_upload_event
from tests.support.envelopes import batch_job
from tests.support.factories import CARD, b64, digit_png, json_event, label, read_response
from tests.support.moto_s3 import BUCKET, mocked_s3


def emf_documents(capsys) -> list[dict]:
    lines = capsys.readouterr().out.splitlines()
    documents = [json.loads(line) for line in lines if line.startswith('{"_aws"')]
    for document in documents:
        check_emf(document)
    return documents


def check_emf(document: dict) -> None:
    """What CloudWatch needs to extract metrics: one directive, every name and value present."""
    meta = document["_aws"]
    assert abs(meta["Timestamp"] - time.time() * 1000) < 60_000
    (directive,) = meta["CloudWatchMetrics"]
    assert directive["Namespace"]
    for dimension_set in directive["Dimensions"]:
        assert all(isinstance(document[name], str) for name in dimension_set)
    for metric in directive["Metrics"]:
        values = document[metric["Name"]]
        assert metric["Unit"] and 1 <= len(values) <= EMF_MAX_VALUES
        assert all(isinstance(v, float) for v in values)


def by_dimensions(documents: list[dict]) -> dict[tuple, list[dict]]:
    grouped: dict[tuple, list[dict]] = {}
    for document in documents:
        key = tuple(document["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0])
        grouped.setdefault(key, []).append(document)
    return grouped


REQUESTS = ("service", "ModelVersion", "Source")
ERRORS = ("service", "ModelVersion", "Source", "ErrorCode")
PREDICTIONS = ("service", "ModelVersion", "Label")


@pytest.fixture
def settings(handler_module):
    return handler_module.SETTINGS


def test_one_image_request(classify, settings, capsys):
    capsys.readouterr()
    response = classify(json_event({"image": b64(digit_png("7"))}))
    _, body, _ = read_response(response)
    documents = by_dimensions(emf_documents(capsys))
    assert set(documents) == {REQUESTS, PREDICTIONS}
    (requests,) = documents[REQUESTS]
    namespace = requests["_aws"]["CloudWatchMetrics"][0]["Namespace"]
    assert namespace == settings.metrics_namespace
    assert requests["service"] == settings.service_name
    assert requests["ModelVersion"] == CARD["version"] and requests["Source"] == "http"
    assert requests["Requests"] == [1.0] and requests["ImagesClassified"] == [1.0]
    assert requests["LowConfidence"] == [0.0]
    assert requests["TopScore"] == [body["predictions"][0]["score"]]
    assert len(requests["Latency"]) == 1 and requests["Latency"][0] > 0
    units = {m["Name"]: m["Unit"] for m in requests["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units == {
        "Requests": "Count",
        "ImagesClassified": "Count",
        "LowConfidence": "Count",
        "Latency": "Milliseconds",
        "TopScore": "None",
    }
    (predictions,) = documents[PREDICTIONS]
    assert predictions["Label"] == label(7) and predictions["Predictions"] == [1.0]
    assert predictions["ModelVersion"] == CARD["version"]


def test_batch_counts_labels_errors_and_low_confidence(classify, capsys):
    images = [b64(digit_png(d)) for d in ("3", "3", "5")] + ["not base64!"]
    capsys.readouterr()
    response = classify(json_event({"images": images, "min_confidence": 1.0}))
    _, body, _ = read_response(response)
    documents = by_dimensions(emf_documents(capsys))
    (requests,) = documents[REQUESTS]
    assert requests["Requests"] == [1.0] and requests["ImagesClassified"] == [3.0]
    assert requests["LowConfidence"] == [3.0]
    assert all(item.get("uncertain") for item in body["results"][:3])
    scores = [item["predictions"][0]["score"] for item in body["results"][:3]]
    assert requests["TopScore"] == scores
    counts = {d["Label"]: d["Predictions"] for d in documents[PREDICTIONS]}
    assert counts == {label(3): [2.0], label(5): [1.0]}
    (errors,) = documents[ERRORS]
    assert errors["ErrorCode"] == "invalid_base64" and errors["Errors"] == [1.0]
    assert errors["Source"] == "http"


def test_a_failed_request_counts_one_error_and_no_image(classify, capsys):
    capsys.readouterr()
    classify(json_event({"image": b64(digit_png("1")), "min_confidence": 2}))
    documents = by_dimensions(emf_documents(capsys))
    assert set(documents) == {REQUESTS, ERRORS}
    (requests,) = documents[REQUESTS]
    assert requests["Requests"] == [1.0] and requests["ImagesClassified"] == [0.0]
    assert "TopScore" not in requests
    (errors,) = documents[ERRORS]
    assert errors["ErrorCode"] == "invalid_min_confidence" and errors["Errors"] == [1.0]


def test_s3_delivery_counts_each_object_as_a_request(classifier, settings, capsys):
    with mocked_s3() as s3:
        s3.put_object(Bucket=BUCKET, Key="uploads/a.png", Body=digit_png("2"))
        s3.put_object(Bucket=BUCKET, Key="uploads/b.png", Body=digit_png("2"))
        s3.put_object(Bucket=BUCKET, Key="uploads/c.png", Body=b"broken")
        s3.put_object(Bucket=BUCKET, Key="uploads/d.txt", Body=b"skipped")
        keys = ["uploads/a.png", "uploads/b.png", "uploads/c.png", "uploads/d.txt"]
        capsys.readouterr()
        handle_upload_event(
            s3_event(BUCKET, keys), classifier, replace(settings, force_reclassify=True), s3
        )
    documents = by_dimensions(emf_documents(capsys))
    (requests,) = documents[REQUESTS]
    assert requests["Source"] == "s3" and requests["Requests"] == [3.0]
    assert requests["ImagesClassified"] == [2.0] and len(requests["Latency"]) == 3
    assert len(requests["TopScore"]) == 2
    (predictions,) = documents[PREDICTIONS]
    assert predictions["Label"] == label(2) and predictions["Predictions"] == [2.0]
    (errors,) = documents[ERRORS]
    assert (errors["Source"], errors["ErrorCode"], errors["Errors"]) == (
        "s3",
        "invalid_image",
        [1.0],
    )


def test_batch_job_counts_each_task_as_a_request(handler_module, capsys):
    s3_trigger.s3_client.cache_clear()
    with mocked_s3() as s3:
        s3.put_object(Bucket=BUCKET, Key="uploads/a.png", Body=digit_png("6"))
        s3.put_object(Bucket=BUCKET, Key="uploads/b.png", Body=b"broken")
        job = batch_job("2.0", BUCKET, ["uploads/a.png", "uploads/b.png"], {"force": "true"})
        capsys.readouterr()
        handler_module.classify_batch_job(job, None)
    s3_trigger.s3_client.cache_clear()
    documents = by_dimensions(emf_documents(capsys))
    (requests,) = documents[REQUESTS]
    assert requests["Source"] == "s3_batch" and requests["Requests"] == [2.0]
    assert requests["ImagesClassified"] == [1.0]
    assert documents[PREDICTIONS][0]["Label"] == label(6)
    (errors,) = documents[ERRORS]
    assert (errors["ErrorCode"], errors["Errors"]) == ("invalid_image", [1.0])


def test_many_labels_go_to_metadata_not_dimensions(capsys):
    target = ServingMetrics("NS", "svc", "2.0.0", label_count=51)
    record = target.invocation("http")
    record.request(1.5)
    for name in ("cat", "dog", "cat"):
        record.image(name, 0.9, uncertain=False)
    record.flush()
    (requests,) = emf_documents(capsys)
    assert requests["PredictedLabels"] == {"cat": 2, "dog": 1}
    assert "Label" not in requests and requests["ModelVersion"] == "2.0.0"


def test_fifty_labels_still_get_a_label_dimension(capsys):
    target = ServingMetrics("NS", "svc", "2.0.0", label_count=50)
    record = target.invocation("http")
    record.request(1.5)
    record.image("cat", 0.9, uncertain=False)
    record.flush()
    documents = by_dimensions(emf_documents(capsys))
    assert documents[PREDICTIONS][0]["Label"] == "cat"


def test_long_series_are_split_at_emf_limit(capsys):
    record = ServingMetrics("NS", "svc", "1", label_count=10).invocation("s3")
    for index in range(EMF_MAX_VALUES + 20):
        record.request(float(index))
        record.image("7", 0.5, uncertain=True)
    record.flush()
    requests = by_dimensions(emf_documents(capsys))[REQUESTS]
    assert [len(d["TopScore"]) for d in requests] == [EMF_MAX_VALUES, 20]
    assert [d["Latency"] for d in requests] == [
        [float(i) for i in range(EMF_MAX_VALUES)],
        [float(i) for i in range(EMF_MAX_VALUES, EMF_MAX_VALUES + 20)],
    ]
    assert requests[0]["Requests"] == [120.0] and "Requests" not in requests[1]


def test_nothing_is_written_when_powertools_metrics_are_disabled(classify, monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    capsys.readouterr()
    classify(json_event({"image": b64(digit_png("4"))}))
    assert emf_documents(capsys) == []

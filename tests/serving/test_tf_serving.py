"""TF Serving's REST contract, with requests shaped as its REST API documentation shows them.

The documentation (tensorflow_serving/g3doc/api_rest.md) defines: POST
/v1/models/${MODEL_NAME}[/versions/${VERSION}]:predict with "instances" (row) or "inputs"
(columnar) and binary values as {"b64": ...}; replies "predictions" / "outputs"; :classify
with "examples"; GET /v1/models/${MODEL_NAME}[/versions/${VERSION}] for model_version_status;
.../metadata for the signature; every error as {"error": <message string>}.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from classifier_devtools.events import http_api_event, rest_api_event
from image_classifier.tf_signatures import version_number
from tests.support.factories import (
    CARD,
    b64,
    digit_png,
    encode,
    gray,
    label,
    load_event,
    read_response,
)

NAME = CARD["name"]
LABELS = CARD["labels"]


# The mapping itself is pinned against literal versions in test_tf_signatures.py.
VERSION = version_number(CARD["version"])
PREDICT = f"/v1/models/{NAME}:predict"


def post(classify, path, document, headers=None, shape=http_api_event):
    """A POST as TF Serving's example clients send it: no Content-Type unless given."""
    body = document if isinstance(document, str) else json.dumps(document)
    event = shape(body, path=path)
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "content-type"}
    event["headers"].update(headers or {})
    return read_response(classify(event))


def get(classify, path, method="GET"):
    return read_response(classify(http_api_event(None, method=method, path=path)))


def probabilities(classify, digit: str) -> list[float]:
    """Every label's score from the native API, in label order."""
    _, document, _ = read_response(classify({"image": b64(digit_png(digit)), "top_k": len(LABELS)}))
    scores = {p["label"]: p["score"] for p in document["predictions"]}
    return [scores[name] for name in LABELS]


# Model status and metadata


@pytest.mark.parametrize("path", [f"/v1/models/{NAME}", f"/v1/models/{NAME}/versions/{VERSION}"])
def test_model_status(classify, path):
    status, document, headers = get(classify, path)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert document == {
        "model_version_status": [
            {
                "version": str(VERSION),
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }


def test_metadata_has_the_signatures_and_labels(classify):
    status, document, _ = get(classify, f"/v1/models/{NAME}/metadata")
    assert status == 200
    assert document["model_spec"] == {"name": NAME, "signature_name": "", "version": str(VERSION)}
    signatures = document["metadata"]["signature_def"]["signature_def"]
    default = signatures["serving_default"]
    assert default["method_name"] == "tensorflow/serving/predict"
    (image,) = default["inputs"].values()
    assert image["dtype"] == "DT_STRING"
    (output,) = default["outputs"].values()
    assert output["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in output["tensor_shape"]["dim"]] == ["-1", str(len(LABELS))]
    assert set(signatures["top_k"]["outputs"]) == {"labels", "scores"}
    assert document["metadata"]["labels"] == LABELS


def test_versioned_metadata(classify):
    status, document, _ = get(classify, f"/v1/models/{NAME}/versions/{VERSION}/metadata")
    assert status == 200 and document["model_spec"]["version"] == str(VERSION)


# Predict, row format


def test_row_format_b64_objects_give_probabilities_in_label_order(classify):
    request = {"instances": [{"b64": b64(digit_png("7"))}, {"b64": b64(digit_png("2"))}]}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200 and set(document) == {"predictions"}
    predictions = document["predictions"]
    assert [len(row) for row in predictions] == [len(LABELS), len(LABELS)]
    assert LABELS[int(np.argmax(predictions[0]))] == label(7)
    assert LABELS[int(np.argmax(predictions[1]))] == label(2)
    assert predictions[0] == pytest.approx(probabilities(classify, "7"))
    assert sum(predictions[1]) == pytest.approx(1, abs=1e-5)


def test_row_format_bare_base64_strings(classify):
    status, document, _ = post(classify, PREDICT, {"instances": [b64(digit_png("4"))]})
    assert status == 200 and LABELS[int(np.argmax(document["predictions"][0]))] == label(4)


def test_row_format_named_input_objects(classify):
    """The documentation's multi-input row form: each instance maps input names to values."""
    _, metadata, _ = get(classify, f"/v1/models/{NAME}/metadata")
    (input_name,) = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"][
        "inputs"
    ]
    request = {"instances": [{input_name: {"b64": b64(digit_png("9"))}}]}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200 and LABELS[int(np.argmax(document["predictions"][0]))] == label(9)


def test_versioned_predict(classify):
    path = f"/v1/models/{NAME}/versions/{VERSION}:predict"
    status, document, _ = post(classify, path, {"instances": [{"b64": b64(digit_png("1"))}]})
    assert status == 200 and LABELS[int(np.argmax(document["predictions"][0]))] == label(1)


# Predict, columnar format


def test_column_format_list(classify):
    request = {"inputs": [{"b64": b64(digit_png("3"))}, {"b64": b64(digit_png("8"))}]}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200 and set(document) == {"outputs"}
    assert [LABELS[int(np.argmax(row))] for row in document["outputs"]] == [label(3), label(8)]


def test_column_format_named_input(classify):
    _, metadata, _ = get(classify, f"/v1/models/{NAME}/metadata")
    (name,) = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
    request = {"inputs": {name: [{"b64": b64(digit_png("6"))}]}}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200 and LABELS[int(np.argmax(document["outputs"][0]))] == label(6)


# The labelled signature


def test_top_k_signature_row_format(classify):
    request = {"signature_name": "top_k", "instances": [{"b64": b64(digit_png("5"))}]}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200
    (entry,) = document["predictions"]
    assert entry["labels"][0] == label(5)
    assert entry["scores"] == sorted(entry["scores"], reverse=True)
    assert len(entry["labels"]) == len(entry["scores"]) >= 1
    expected = probabilities(classify, "5")
    assert entry["scores"][0] == pytest.approx(expected[LABELS.index(label(5))])


def test_top_k_signature_column_format(classify):
    request = {"signature_name": "top_k", "inputs": [{"b64": b64(digit_png("0"))}]}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200 and document["outputs"]["labels"][0][0] == label(0)
    assert len(document["outputs"]["scores"][0]) == len(document["outputs"]["labels"][0])


def test_default_signature_by_name(classify):
    request = {"signature_name": "serving_default", "instances": [b64(digit_png("2"))]}
    status, document, _ = post(classify, PREDICT, request)
    assert status == 200 and len(document["predictions"][0]) == len(LABELS)


# Classify


def test_classify_with_the_documentations_example_shape(classify):
    """The documented example: an image feature as {"b64"} beside a caption string."""
    request = {
        "examples": [
            {"image": {"b64": b64(digit_png("7"))}, "caption": "seaside"},
            {"image": {"b64": b64(digit_png("3"))}, "caption": "mountains"},
        ]
    }
    status, document, _ = post(classify, f"/v1/models/{NAME}:classify", request)
    assert status == 200 and set(document) == {"results"}
    for digit, pairs in zip((7, 3), document["results"], strict=True):
        assert [pair[0] for pair in pairs] == LABELS
        assert max(pairs, key=lambda pair: pair[1])[0] == label(digit)


# Content types: TF Serving reads the body as JSON whatever the header says


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "application/json"},
        {"content-type": "text/plain"},
    ],
    ids=["none (requests data=)", "curl -d", "json", "text/plain"],
)
def test_any_content_type_is_read_as_json(classify, headers):
    request = {"instances": [{"b64": b64(digit_png("8"))}]}
    status, document, _ = post(classify, PREDICT, request, headers)
    assert status == 200 and LABELS[int(np.argmax(document["predictions"][0]))] == label(8)


def test_rest_api_shape_and_base64_encoded_body(classify):
    body = json.dumps({"instances": [{"b64": b64(digit_png("3"))}]})
    event = rest_api_event(b64(body.encode()), base64_encoded=True)
    event["path"] = PREDICT
    event["headers"] = {}
    event["multiValueHeaders"] = {}
    status, document, _ = read_response(classify(event))
    assert status == 200 and LABELS[int(np.argmax(document["predictions"][0]))] == label(3)


# Errors: {"error": "<message>"}, with the native API's statuses


def assert_tf_error(status, document, expected_status):
    assert status == expected_status
    assert set(document) == {"error"} and isinstance(document["error"], str)
    assert document["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models/no-such-model:predict",
        f"/v1/models/{NAME}/versions/{VERSION + 1}:predict",
        f"/v1/models/{NAME}/versions/latest:predict",
    ],
)
def test_unknown_model_or_version_is_404(classify, path):
    status, document, _ = post(classify, path, {"instances": [b64(digit_png("1"))]})
    assert_tf_error(status, document, 404)
    assert "no-such-model" not in document["error"]


@pytest.mark.parametrize(
    "path", ["/v1/models/no-such-model", f"/v1/models/{NAME}/versions/{VERSION + 1}/metadata"]
)
def test_status_and_metadata_of_unknown_servables_are_404(classify, path):
    assert_tf_error(*get(classify, path)[:2], 404)


BIG = b64(encode(gray(0, (6000, 6000))))
NATIVE_EQUIVALENTS = [
    ("not json", "{broken", "{broken"),
    ("invalid base64", {"instances": ["@@@"]}, {"image": "@@@"}),
    ("not an image", {"instances": [b64(b"hello")]}, {"image": b64(b"hello")}),
    ("empty", {"instances": []}, {"images": []}),
    ("too many", {"instances": [b64(digit_png("1"))] * 17}, {"images": [b64(digit_png("1"))] * 17}),
    ("too many pixels", {"instances": [BIG]}, {"image": BIG}),
]


@pytest.mark.parametrize(
    ("tf_request", "native_request"),
    [(tf, native) for _, tf, native in NATIVE_EQUIVALENTS],
    ids=[name for name, *_ in NATIVE_EQUIVALENTS],
)
def test_errors_have_the_native_apis_status(classify, tf_request, native_request):
    json_type = {"content-type": "application/json"}
    native_status, native, _ = post(classify, "/classify", native_request, json_type)
    status, document, _ = post(classify, PREDICT, tf_request)
    assert native_status >= 400 and "code" in native["error"]
    assert_tf_error(status, document, native_status)


@pytest.mark.parametrize(
    "request_document",
    [
        {"instances": [b64(digit_png("1"))], "inputs": [b64(digit_png("1"))]},
        {"signature_name": "serving_default"},
        {"instances": b64(digit_png("1"))},
        {"instances": [42]},
        {"instances": [{"b64": 42}]},
        {"inputs": {"some_other_input": [b64(digit_png("1"))]}},
        {"instances": [b64(digit_png("1"))], "signature_name": "no_such_signature"},
        {"instances": [b64(digit_png("1"))], "extra": 1},
        [b64(digit_png("1"))],
    ],
    ids=[
        "both formats",
        "no inputs",
        "instances not a list",
        "number instance",
        "b64 not a string",
        "unknown named input",
        "unknown signature",
        "unknown field",
        "array body",
    ],
)
def test_malformed_predict_requests_are_400(classify, request_document):
    assert_tf_error(*post(classify, PREDICT, request_document)[:2], 400)


def test_one_bad_instance_fails_the_request_as_a_tensor_would(classify):
    request = {"instances": [b64(digit_png("1")), b64(b"not an image")]}
    assert_tf_error(*post(classify, PREDICT, request)[:2], 400)


def test_classify_without_an_image_feature_is_400(classify):
    request = {"examples": [{"caption": "no image here"}]}
    assert_tf_error(*post(classify, f"/v1/models/{NAME}:classify", request)[:2], 400)


def test_wrong_method_is_405_with_allow(classify):
    status, document, headers = get(classify, PREDICT)
    assert_tf_error(status, document, 405)
    assert headers["Allow"] == "POST, OPTIONS"
    status, document, headers = post(classify, f"/v1/models/{NAME}", {})
    assert_tf_error(status, document, 405)
    assert headers["Allow"] == "GET, OPTIONS"


@pytest.mark.parametrize("verb", ["regress", "explain", ""])
def test_unsupported_verbs_are_404(classify, verb):
    path = f"/v1/models/{NAME}:{verb}"
    assert_tf_error(*post(classify, path, {"instances": [b64(digit_png("1"))]})[:2], 404)


def test_preflight_on_a_tf_route(classify):
    status, _, headers = get(classify, PREDICT, method="OPTIONS")
    assert status == 204 and headers["Allow"] == "POST, OPTIONS"


def test_error_code_reaches_the_log(classify, captured_logs):
    post(classify, PREDICT, {"instances": ["@@@"]})
    requests = [line for line in captured_logs.lines if line.get("event") == "request"]
    assert requests[-1]["error"] == "invalid_base64" and requests[-1]["status"] == 400


def test_event_fixtures_for_sls_invoke_local(classify):
    status, document, _ = read_response(classify(load_event("tf_serving_predict")))
    assert status == 200 and LABELS[int(np.argmax(document["predictions"][0]))] == label(7)
    status, document, _ = read_response(classify(load_event("tf_serving_status")))
    assert status == 200 and document["model_version_status"][0]["version"] == str(VERSION)

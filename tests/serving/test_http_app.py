from __future__ import annotations

import json

import pytest

from classifier_devtools.events import http_api_event, rest_api_event
from tests.support.factories import (
    FIXTURE_DIGITS,
    MODEL_REF,
    b64,
    binary_event,
    digit_png,
    encode,
    gray,
    json_event,
    label,
    load_event,
    read_response,
)


@pytest.mark.parametrize("fixture", sorted(FIXTURE_DIGITS))
def test_every_fixture_classifies_its_digit(classify, fixture):
    status, document, headers = read_response(classify(load_event(fixture)))
    assert status == 200
    assert document["predictions"][0]["label"] == label(FIXTURE_DIGITS[fixture])
    assert len(document["predictions"]) == 3
    assert document["model"] == MODEL_REF
    if fixture != "direct":
        assert headers["Content-Type"] == "application/json"
        assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("shape", ["http_api_v2", "function_url", "rest_api_v1"])
def test_json_body_on_every_http_shape(classify, shape):
    event = json_event({"image": b64(digit_png("2")), "top_k": 1}, shape)
    status, document, _ = read_response(classify(event))
    assert status == 200 and [p["label"] for p in document["predictions"]] == ["2"]


@pytest.mark.parametrize("content_type", ["image/png", "image/webp", "application/octet-stream"])
def test_raw_binary_body(classify, content_type):
    event = binary_event(digit_png("6"), content_type, query="top_k=5")
    status, document, _ = read_response(classify(event))
    assert status == 200 and document["predictions"][0]["label"] == label(6)
    assert len(document["predictions"]) == 5


def test_rest_api_binary_body(classify):
    event = rest_api_event(
        b64(digit_png("8")), headers={"Content-Type": "image/png"}, base64_encoded=True
    )
    status, document, _ = read_response(classify(event))
    assert status == 200 and document["predictions"][0]["label"] == label(8)


def test_scores_are_sorted_probabilities(classify):
    _, document, _ = read_response(classify({"image": b64(digit_png("4")), "top_k": 10}))
    scores = [p["score"] for p in document["predictions"]]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0, abs=1e-5)
    assert {p["label"] for p in document["predictions"]} == {str(i) for i in range(10)}


def test_batch_runs_one_session_call_and_keeps_order(classify, classifier, monkeypatch):
    calls = []
    real_predict = classifier.predict
    monkeypatch.setattr(
        classifier, "predict", lambda batch: calls.append(len(batch)) or real_predict(batch)
    )
    images = [b64(digit_png(str(d))) for d in range(10)]
    status, document, _ = read_response(classify(json_event({"images": images})))
    assert status == 200 and calls == [10]
    assert [r["predictions"][0]["label"] for r in document["results"]] == [
        str(d) for d in range(10)
    ]


def test_batch_with_bad_items_still_classifies_the_good_ones(classify):
    images = [b64(digit_png("1")), "***", b64(b"not an image"), 7, b64(digit_png("9"))]
    status, document, _ = read_response(classify(json_event({"images": images})))
    assert status == 200
    results = document["results"]
    assert results[0]["predictions"][0]["label"] == label(1)
    assert [r["error"]["code"] for r in results[1:4]] == [
        "invalid_base64",
        "invalid_image",
        "invalid_field",
    ]
    assert results[4]["predictions"][0]["label"] == label(9)


def test_batch_of_max_batch_is_accepted_and_one_more_is_413(classify, handler_module):
    limit = handler_module.SETTINGS.max_batch
    image = b64(digit_png("3"))
    assert read_response(classify(json_event({"images": [image] * limit})))[0] == 200
    status, document, _ = read_response(classify(json_event({"images": [image] * (limit + 1)})))
    assert status == 413 and document["error"]["code"] == "batch_too_large"


def test_get_model_returns_the_card(classify, classifier):
    event = http_api_event(None, method="GET", path="/model")
    status, document, _ = read_response(classify(event))
    assert status == 200
    assert document["labels"] == classifier.labels
    assert document["input"] == classifier.spec.to_dict()
    assert document["metrics"]["test_accuracy"] >= 0.98


def test_stage_prefixed_paths_route(classify):
    event = json_event({"image": b64(digit_png("0"))}, path="/dev/classify")
    assert read_response(classify(event))[0] == 200


def test_options_preflight_gets_cors(classify):
    status, _, headers = read_response(classify(http_api_event(None, method="OPTIONS")))
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"


ERRORS = [
    (http_api_event("{oops"), 400, "invalid_json"),
    (json_event({}), 400, "missing_image"),
    (json_event({"image": "!!!"}), 400, "invalid_base64"),
    (json_event({"image": b64(b"GIF89a garbage")}), 400, "invalid_image"),
    (json_event({"image": b64(digit_png("1")), "top_k": 11}), 400, "invalid_top_k"),
    (json_event({"image": b64(encode(gray(0, (6000, 5000))))}), 400, "image_too_many_pixels"),
    (json_event({"image": "A" * 6_100_000}), 413, "image_too_large"),
    (http_api_event("x", headers={"content-type": "text/plain"}), 415, "unsupported_media_type"),
    (http_api_event(None, path="/nope"), 404, "not_found"),
    (http_api_event(None, method="GET"), 405, "method_not_allowed"),
    (http_api_event(None, method="DELETE", path="/model"), 405, "method_not_allowed"),
]


@pytest.mark.parametrize(
    ("event", "status", "code"), ERRORS, ids=[f"{s}-{c}" for _, s, c in ERRORS]
)
def test_errors_have_status_code_and_message_and_do_not_break_the_next_request(
    classify, event, status, code
):
    got_status, document, headers = read_response(classify(event))
    assert (got_status, document["error"]["code"]) == (status, code)
    assert document["error"]["message"] and "Traceback" not in json.dumps(document)
    assert headers["Content-Type"] == "application/json"
    ok_status, ok, _ = read_response(classify(load_event("http_api_v2")))
    assert ok_status == 200 and ok["predictions"][0]["label"] == label(7)


def test_405_names_the_allowed_methods(classify):
    _, _, headers = read_response(classify(http_api_event(None, method="PUT")))
    assert headers["Allow"] == "POST, OPTIONS"


def test_direct_invocation_returns_a_plain_error_document(classify):
    assert classify({"image": 3}) == {
        "error": {
            "code": "invalid_field",
            "message": "'image' must be a base64 string.",
            "status": 400,
        }
    }


def test_internal_fault_is_a_generic_500_with_the_request_id(
    classify, classifier, monkeypatch, captured_logs
):
    def explode(batch):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(classifier, "predict", explode)
    status, document, _ = read_response(classify(load_event("http_api_v2")))
    assert status == 500
    error = document["error"]
    assert error["code"] == "internal_error" and error["request_id"] == "JKJaXmPLvHcESHA="
    assert "secret detail" not in json.dumps(document)
    assert any(
        line["event"] == "internal_error" and line["error_type"] == "RuntimeError"
        for line in captured_logs.lines
    )


def test_one_structured_log_line_per_request_without_image_data(classify, captured_logs):
    event = load_event("http_api_v2")
    classify(event)
    assert len(captured_logs) == 1
    line = captured_logs.lines[0]
    assert line["event"] == "request" and line["shape"] == "http_api_v2"
    assert line["status"] == 200 and line["images"] == 1 and line["top_label"] == label(7)
    assert {"decode_ms", "inference_ms", "total_ms", "request_id"} <= set(line)
    image_b64 = json.loads(event["body"])["image"]
    assert image_b64[:40] not in json.dumps(line)


def test_image_body_mangled_into_text_gets_a_clear_error(classify):
    mangled = digit_png("1").decode("utf-8", errors="replace")
    event = http_api_event(mangled, headers={"content-type": "image/png"})
    status, document, _ = read_response(classify(event))
    assert status == 400 and document["error"]["code"] == "binary_body_mangled"

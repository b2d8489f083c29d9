"""min_confidence: validated, flags uncertain answers without hiding them, on HTTP and S3."""

from __future__ import annotations

from dataclasses import replace

import pytest

from classifier_devtools.events import s3_event
from image_classifier.confidence import is_uncertain, parse_min_confidence
from image_classifier.errors import ClassifierError
from image_classifier.http_app import HttpApp
from image_classifier.model_card import Prediction
from image_classifier.s3_trigger import handle_upload_event
from tests.support.factories import b64, binary_event, digit_png, json_event, read_response
from tests.support.moto_s3 import BUCKET, mocked_s3, read_result


@pytest.mark.parametrize("value", [0, 1, 0.0, 0.25, 1.0])
def test_numbers_from_zero_to_one_are_accepted(value):
    assert parse_min_confidence(value) == float(value)


@pytest.mark.parametrize(
    "value", [-0.01, 1.01, "0.5", True, False, None, [0.5], float("nan"), float("inf"), 10**400]
)
def test_anything_else_is_invalid_min_confidence(value):
    with pytest.raises(ClassifierError) as caught:
        parse_min_confidence(value)
    assert caught.value.code == "invalid_min_confidence" and caught.value.status == 400


@pytest.mark.parametrize(("text", "value"), [("0.75", 0.75), ("1", 1.0), ("0", 0.0)])
def test_query_text_is_parsed(text, value):
    assert parse_min_confidence(text, from_query=True) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-0.1", "1.5", "0.5x", "", "9" * 40])
def test_bad_query_text_is_invalid(text):
    with pytest.raises(ClassifierError, match="min_confidence"):
        parse_min_confidence(text, from_query=True)


def test_uncertain_compares_the_top_score():
    ranked = [Prediction("a", 0.6), Prediction("b", 0.3)]
    assert is_uncertain(ranked, 0.7) and not is_uncertain(ranked, 0.6)
    assert not is_uncertain([], 1.0)


def top_score(classify, digit):
    _, document, _ = read_response(classify(json_event({"image": b64(digit_png(digit))})))
    return document["predictions"][0]["score"]


def test_a_threshold_above_the_top_score_flags_and_still_returns_predictions(classify):
    score = top_score(classify, "5")
    body = {"image": b64(digit_png("5")), "min_confidence": min(1.0, score + 1e-6), "top_k": 2}
    status, document, _ = read_response(classify(json_event(body)))
    assert status == 200 and document["uncertain"] is True
    assert len(document["predictions"]) == 2 and document["predictions"][0]["score"] == score


def test_a_threshold_at_or_below_the_top_score_adds_no_flag(classify):
    score = top_score(classify, "5")
    body = {"image": b64(digit_png("5")), "min_confidence": score}
    _, document, _ = read_response(classify(json_event(body)))
    assert "uncertain" not in document


def test_batch_items_are_flagged_one_by_one(classify):
    scores = [top_score(classify, d) for d in ("1", "8")]
    threshold = (scores[0] + scores[1]) / 2
    assert scores[0] != scores[1]
    body = {"images": [b64(digit_png("1")), b64(digit_png("8"))], "min_confidence": threshold}
    _, document, _ = read_response(classify(json_event(body)))
    flags = [item.get("uncertain", False) for item in document["results"]]
    assert flags == [score < threshold for score in scores]


def test_raw_body_takes_min_confidence_from_the_query(classify):
    status, document, _ = read_response(
        classify(binary_event(digit_png("6"), "image/png", query="min_confidence=1"))
    )
    assert status == 200 and document["uncertain"] is True


def test_the_setting_is_the_default(handler_module):
    strict = HttpApp(handler_module.CLASSIFIER, replace(handler_module.SETTINGS, min_confidence=1))
    _, document, _ = read_response(strict(json_event({"image": b64(digit_png("3"))})))
    assert document["uncertain"] is True
    _, document, _ = read_response(
        strict(json_event({"image": b64(digit_png("3")), "min_confidence": 0}))
    )
    assert "uncertain" not in document


@pytest.mark.parametrize(("threshold", "flagged"), [(1.0, True), (0.0, False)])
def test_s3_results_carry_the_flag_and_the_image_facts(handler_module, threshold, flagged):
    settings = replace(handler_module.SETTINGS, min_confidence=threshold, force_reclassify=True)
    with mocked_s3() as s3:
        s3.put_object(Bucket=BUCKET, Key="uploads/x.png", Body=digit_png("9"))
        handle_upload_event(
            s3_event(BUCKET, ["uploads/x.png"]), handler_module.CLASSIFIER, settings, s3
        )
        result = read_result(s3, "uploads/x.png")
    assert result.get("uncertain", False) is flagged
    assert result["predictions"] and result["image"] == {"format": "PNG", "width": 8, "height": 8}

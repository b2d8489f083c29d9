"""A body whose Content-Length breaks the limit is refused with 413 before it is decoded."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from classifier_devtools.events import rest_api_event
from image_classifier.adapters.http_api import HttpApiAdapter
from image_classifier.body_limit import BodyLimit
from image_classifier.errors import ClassifierError
from image_classifier.http_app import HttpApp
from tests.support.factories import b64, binary_event, digit_png, json_event, read_response

LIMIT = BodyLimit(max_image_bytes=1000, max_batch=4)
JSON_LIMIT = LIMIT.for_media_type("application/json")


@pytest.fixture
def small_app(handler_module, classifier):
    """The real app with a 1000-byte image limit, so limits are cheap to cross."""
    settings = dataclasses.replace(handler_module.SETTINGS, max_image_bytes=1000, max_batch=4)
    return HttpApp(classifier, settings)


@pytest.mark.parametrize(
    "media_type", ["image/png", "image/jpeg", "application/octet-stream", "application/json", ""]
)
def test_a_stated_size_over_the_media_types_limit_is_413(media_type):
    limit = LIMIT.for_media_type(media_type)
    LIMIT.check({"content-length": str(limit)}, media_type)
    with pytest.raises(ClassifierError) as error:
        LIMIT.check({"content-length": str(limit + 1)}, media_type)
    assert (error.value.code, error.value.status) == ("image_too_large", 413)


@pytest.mark.parametrize("media_type", ["image/png", "application/octet-stream"])
def test_a_raw_body_may_hold_one_image_of_the_largest_size(media_type):
    assert LIMIT.for_media_type(media_type) == LIMIT.max_image_bytes


@pytest.mark.parametrize("media_type", ["application/json", ""])
def test_a_json_body_may_hold_a_full_batch_of_the_largest_images_and_not_much_more(media_type):
    """Each image base64-encoded with line breaks and a data: URL prefix, as clients send them."""
    encoded = base64.encodebytes(bytes(LIMIT.max_image_bytes)).decode()
    images = [f"data:image/png;base64,{encoded}"] * LIMIT.max_batch
    largest = len(json.dumps({"images": images, "top_k": 3, "min_confidence": 0.5}).encode())
    assert largest <= LIMIT.for_media_type(media_type) < 2 * largest


@pytest.mark.parametrize("stated", ["", "abc", "-5", "1e9", "\uff11\uff12"])
def test_absent_or_malformed_length_is_left_to_the_later_checks(stated):
    LIMIT.check({"content-length": stated}, "image/png")
    LIMIT.check({}, "image/png")


def test_a_length_of_thousands_of_digits_is_over_the_limit_not_a_crash():
    with pytest.raises(ClassifierError) as error:
        LIMIT.check({"content-length": "9" * 5000}, "image/png")
    assert error.value.code == "image_too_large"


def test_the_adapter_refuses_before_decoding_the_body():
    """The body is not valid base64: reaching the decoder would answer invalid_base64."""
    event = binary_event(b"", "image/png")
    event["body"] = "@@@ not base64 @@@"
    event["headers"]["content-length"] = "1001"
    with pytest.raises(ClassifierError) as error:
        HttpApiAdapter().to_request(event, "-", LIMIT)
    assert error.value.code == "image_too_large"
    event["headers"]["content-length"] = "1000"
    with pytest.raises(ClassifierError) as error:
        HttpApiAdapter().to_request(event, "-", LIMIT)
    assert error.value.code == "invalid_base64"


def test_the_adapter_refuses_json_before_parsing_it():
    event = json_event({"image": "x"})
    event["body"] = "{not json"
    event["headers"]["content-length"] = str(JSON_LIMIT + 1)
    with pytest.raises(ClassifierError) as error:
        HttpApiAdapter().to_request(event, "-", LIMIT)
    assert error.value.code == "image_too_large"


@pytest.mark.parametrize("shape", ["http_api_v2", "function_url", "rest_api_v1"])
def test_every_gateway_shape_answers_413_for_a_stated_size_over_the_limit(small_app, shape):
    event = json_event({"image": "x"}, shape)
    event["headers"]["Content-Length"] = str(JSON_LIMIT + 1)
    status, document, _ = read_response(small_app(event))
    assert status == 413 and document["error"]["code"] == "image_too_large"
    assert str(JSON_LIMIT + 1) not in document["error"]["message"]


def test_raw_image_body_over_the_limit_is_refused_by_its_stated_size(small_app):
    event = rest_api_event(
        b64(b"\0" * 10),
        headers={"Content-Type": "image/png", "Content-Length": "1001"},
        base64_encoded=True,
    )
    status, document, _ = read_response(small_app(event))
    assert status == 413 and document["error"]["code"] == "image_too_large"


def test_a_true_length_under_the_limit_still_classifies(classify):
    png = digit_png("3")
    event = binary_event(png, "image/png")
    event["headers"]["content-length"] = str(len(png))
    status, document, _ = read_response(classify(event))
    assert status == 200 and document["predictions"]

from __future__ import annotations

import base64

import pytest

from image_classifier.adapters.function_url import FunctionUrlAdapter
from image_classifier.adapters.http_api import HttpApiAdapter
from image_classifier.adapters.rest_api import RestApiAdapter
from image_classifier.errors import ClassifierError
from tests.support.factories import load_event


def test_http_api_request_fields():
    event = load_event("binary_body")
    event["rawQueryString"] = "top_k=2"
    request = HttpApiAdapter().to_request(event, "fallback")
    assert (request.method, request.path, request.media_type) == ("POST", "/classify", "image/png")
    assert request.body == base64.b64decode(event["body"]) and request.text is None
    assert request.query == {"top_k": "2"}
    assert request.request_id == event["requestContext"]["requestId"]


def test_function_url_request_uses_the_v2_fields():
    request = FunctionUrlAdapter().to_request(load_event("function_url"), "-")
    assert request.method == "POST" and request.text.startswith('{"image"')


def test_rest_api_headers_are_case_insensitive_and_multi_value_aware():
    event = load_event("rest_api_v1")
    event["headers"] = None
    event["multiValueHeaders"] = {"CONTENT-TYPE": ["image/png", "text/plain"]}
    event["queryStringParameters"] = {"top_k": "4"}
    request = RestApiAdapter().to_request(event, "-")
    assert request.media_type == "image/png" and request.query == {"top_k": "4"}


def test_comma_joined_duplicate_content_type_uses_the_first():
    event = load_event("http_api_v2")
    event["headers"]["content-type"] = "application/json; charset=utf-8,text/plain"
    assert HttpApiAdapter().to_request(event, "-").media_type == "application/json"


def test_body_flagged_base64_but_invalid_is_a_client_error():
    event = load_event("binary_body")
    event["body"] = "@@@not base64@@@"
    with pytest.raises(ClassifierError) as error:
        HttpApiAdapter().to_request(event, "-")
    assert error.value.code == "invalid_base64"


def test_gateway_response_is_json_with_status():
    from image_classifier.http_messages import HttpResponse

    response = RestApiAdapter().to_response(HttpResponse(201, {"a": 1}, {"X": "y"}))
    assert response == {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X": "y"},
        "body": '{"a": 1}',
        "isBase64Encoded": False,
    }

"""Behind a JWT authorizer the request log names the caller by `sub`, and by nothing else."""

from __future__ import annotations

import json

import pytest

from image_classifier.adapters.http_api import HttpApiAdapter, jwt_sub
from tests.support.factories import label, load_event, read_response


def test_the_request_line_carries_the_sub_and_no_other_claim_or_the_token(classify, captured_logs):
    event = load_event("http_api_v2_jwt")
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    token = event["headers"]["authorization"].removeprefix("Bearer ")
    status, document, _ = read_response(classify(event))
    assert status == 200 and document["predictions"][0]["label"] == label(7)
    (line,) = [line for line in captured_logs.lines if line["event"] == "request"]
    assert line["sub"] == claims["sub"]
    written = "\n".join(captured_logs)
    for part in token.split("."):
        assert part not in written
    logged = {(key, str(value)) for line in captured_logs.lines for key, value in line.items()}
    for name, value in claims.items():
        if name != "sub":
            assert not any(key == name or text == value for key, text in logged), name


def test_no_authorizer_no_sub(classify, captured_logs):
    classify(load_event("http_api_v2"))
    assert all("sub" not in line for line in captured_logs.lines)


def test_the_adapter_keeps_only_the_sub():
    request = HttpApiAdapter().to_request(load_event("http_api_v2_jwt"), "-")
    assert request.caller_sub == "73f4e1d2-9b3a-4c5e-8d6f-1a2b3c4d5e6f"
    assert "authorizer" not in json.dumps(request.__dict__, default=str)


@pytest.mark.parametrize(
    "authorizer",
    [
        None,
        "jwt",
        {"jwt": None},
        {"jwt": {"claims": "sub"}},
        {"jwt": {"claims": {"sub": 42}}},
        {"jwt": {"claims": {"sub": ""}}},
        {"iam": {"userId": "AIDAEXAMPLE"}},
        {"lambda": {"sub": "from-a-lambda-authorizer"}},
    ],
)
def test_anything_but_a_jwt_sub_string_names_no_caller(authorizer):
    assert jwt_sub({"authorizer": authorizer}) is None

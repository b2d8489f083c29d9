"""Application Load Balancer events in both modes, and VPC Lattice's clear refusal."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from image_classifier.adapters import detect
from tests.support.factories import CARD, digit_png, label, load_event

LATTICE = "arn:aws:vpc-lattice:us-east-1:123456789012"
LATTICE_V2 = {
    "version": "2.0",
    "path": "/classify",
    "method": "POST",
    "headers": {"content-type": ["image/png"]},
    "queryStringParameters": {"top_k": ["2"]},
    "body": base64.b64encode(digit_png("3")).decode(),
    "isBase64Encoded": True,
    "requestContext": {
        "serviceNetworkArn": f"{LATTICE}:servicenetwork/sn-0bf3f2882e9cc805a",
        "serviceArn": f"{LATTICE}:service/svc-0a40eebed65f8d69c",
        "targetGroupArn": f"{LATTICE}:targetgroup/tg-6d0ecf831eec9f09",
        "identity": {
            "sourceVpcArn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0b8276c84697e7339"
        },
        "region": "us-east-1",
        "timeEpoch": "1767225600000000",
    },
}
LATTICE_V1 = {
    "raw_path": "/classify?top_k=2",
    "method": "POST",
    "headers": {"content-type": "image/png"},
    "query_string_parameters": {"top_k": "2"},
    "body": base64.b64encode(digit_png("3")).decode(),
    "is_base64_encoded": True,
}


@pytest.mark.parametrize(("fixture", "name"), [("alb", "alb"), ("alb_multi_value", "alb")])
def test_alb_events_are_detected_before_rest_v1(fixture, name):
    event = load_event(fixture)
    assert "httpMethod" in event and "requestContext" in event
    assert detect(event).name == name


def test_single_value_mode_reads_the_query_and_replies_with_headers(classify, captured_logs):
    reply = classify(load_event("alb"))
    assert reply["statusCode"] == 200 and reply["statusDescription"] == "200 OK"
    assert "multiValueHeaders" not in reply
    assert reply["headers"]["Content-Type"] == "application/json"
    document = json.loads(reply["body"])
    assert len(document["predictions"]) == 2
    assert document["predictions"][0]["label"] == label(2)
    assert captured_logs.lines[-1]["shape"] == "alb"


def test_multi_value_mode_takes_the_last_value_and_replies_with_multi_value_headers(
    classify, captured_logs
):
    event = load_event("alb_multi_value")
    assert event["multiValueQueryStringParameters"]["top_k"] == ["5", "4"]
    assert "headers" not in event and "queryStringParameters" not in event
    reply = classify(event)
    assert reply["statusCode"] == 200 and "headers" not in reply
    assert reply["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert all(isinstance(v, list) for v in reply["multiValueHeaders"].values())
    document = json.loads(reply["body"])
    assert len(document["predictions"]) == 4
    assert document["predictions"][0]["label"] == label(6)
    assert captured_logs.lines[-1]["shape"] == "alb"


def test_alb_query_strings_arrive_url_encoded_and_are_decoded(classify):
    event = load_event("alb")
    event["queryStringParameters"] = {"top%5Fk": "%33"}
    document = json.loads(classify(event)["body"])
    assert len(document["predictions"]) == 3


@pytest.mark.parametrize("fixture", ["alb", "alb_multi_value"])
def test_alb_errors_keep_the_mode_and_the_status(classify, fixture):
    event = copy.deepcopy(load_event(fixture))
    top_k = str(len(CARD["labels"]) + 1)
    if fixture == "alb":
        event["queryStringParameters"] = {"top_k": top_k}
    else:
        event["multiValueQueryStringParameters"] = {"top_k": ["1", top_k]}
    reply = classify(event)
    assert reply["statusCode"] == 400 and reply["statusDescription"] == "400 Bad Request"
    assert json.loads(reply["body"])["error"]["code"] == "invalid_top_k"
    assert ("multiValueHeaders" in reply) == (fixture == "alb_multi_value")


def test_alb_json_body_with_the_model_route(classify):
    event = load_event("alb")
    event.update(httpMethod="GET", path="/model", body="", isBase64Encoded=False)
    reply = classify(event)
    assert reply["statusCode"] == 200 and json.loads(reply["body"])["name"] == CARD["name"]


@pytest.mark.parametrize("event", [LATTICE_V2, LATTICE_V1], ids=["v2", "v1"])
def test_vpc_lattice_gets_a_clear_400_in_the_gateway_shape(classify, event, captured_logs):
    assert detect(event).name == "vpc_lattice"
    reply = classify(event)
    assert reply["statusCode"] == 400 and reply["headers"]["Content-Type"] == "application/json"
    assert json.loads(reply["body"])["error"]["code"] == "unsupported_event_source"
    assert captured_logs.lines[-1]["shape"] == "vpc_lattice"

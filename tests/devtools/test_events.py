"""make_event's shapes are the ones the adapters recognise, and the handler answers them."""

from __future__ import annotations

import json

import pytest

from classifier_devtools.events import SHAPES, build_event, main
from image_classifier.adapters import detect
from tests.support.factories import digit_png, label, read_response

ADAPTERS = {
    "http-v2": "http_api_v2",
    "function-url": "function_url",
    "rest-v1": "rest_api_v1",
    "direct": "direct",
    "binary": "http_api_v2",
}


@pytest.mark.parametrize("shape", sorted(ADAPTERS))
def test_every_http_shape_is_detected_and_classified(shape, classify):
    event = build_event(digit_png("6"), shape, top_k=2)
    assert detect(event).name == ADAPTERS[shape]
    status, document, _ = read_response(classify(event))
    assert status == 200 and len(document["predictions"]) == 2
    assert document["predictions"][0]["label"] == label(6)


def test_the_s3_shape_url_encodes_the_key():
    event = build_event(b"x" * 10, "s3", key="uploads/my photo+1.png")
    record = event["Records"][0]
    assert record["s3"]["object"]["key"] == "uploads/my+photo%2B1.png"
    assert record["s3"]["object"]["size"] == 10
    assert record["eventName"].startswith("ObjectCreated")


def test_every_shape_is_built():
    assert set(SHAPES) == {*ADAPTERS, "s3"}


def test_cli_writes_the_event_for_a_file(tmp_path, capsys):
    image = tmp_path / "seven.png"
    image.write_bytes(digit_png("7"))
    assert main([str(image), "--shape", "binary"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["headers"]["content-type"] == "image/png" and event["isBase64Encoded"]


def test_cli_refuses_a_missing_file_without_a_traceback(tmp_path, capsys):
    assert main([str(tmp_path / "absent.png")]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read")

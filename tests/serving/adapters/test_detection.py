from __future__ import annotations

import pytest

from image_classifier.adapters import detect
from tests.support.factories import load_event


@pytest.mark.parametrize(
    ("fixture", "shape"),
    [
        ("http_api_v2", "http_api_v2"),
        ("binary_body", "http_api_v2"),
        ("function_url", "function_url"),
        ("rest_api_v1", "rest_api_v1"),
        ("direct", "direct"),
    ],
)
def test_each_fixture_is_detected_as_its_shape(fixture, shape):
    assert detect(load_event(fixture)).name == shape


@pytest.mark.parametrize("event", [None, [], "text", 42, {"version": "2.0"}, {"httpMethod": "GET"}])
def test_anything_else_is_a_direct_invocation(event):
    assert detect(event).name == "direct"

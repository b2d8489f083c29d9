"""CORS_ALLOW_ORIGIN: `*`, empty, or an origin list matched against the request's Origin."""

from __future__ import annotations

import dataclasses

import pytest

from classifier_devtools.events import http_api_event
from image_classifier.cors import CorsPolicy
from image_classifier.http_app import HttpApp
from tests.support.factories import read_response

ORIGINS = "https://app.example.com, https://admin.example.com"


def test_star_allows_any_origin_and_empty_sends_nothing():
    assert (
        CorsPolicy("*").headers({"origin": "https://x.example"})["Access-Control-Allow-Origin"]
        == "*"
    )
    assert CorsPolicy("").headers({"origin": "https://x.example"}) == {}


@pytest.mark.parametrize("origin", ["https://app.example.com", "https://admin.example.com"])
def test_a_listed_origin_is_named_back(origin):
    headers = CorsPolicy(ORIGINS).headers({"origin": origin})
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Vary"] == "Origin"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://app.example.com.evil", ""])
def test_an_unlisted_origin_gets_no_allow_origin(origin):
    headers = CorsPolicy(ORIGINS).headers({"origin": origin})
    assert "Access-Control-Allow-Origin" not in headers and headers["Vary"] == "Origin"


def test_the_app_answers_a_preflight_from_the_list(handler_module, classifier):
    settings = dataclasses.replace(handler_module.SETTINGS, cors_allow_origin=ORIGINS)
    app = HttpApp(classifier, settings)
    allowed = http_api_event(None, method="OPTIONS", headers={"origin": "https://app.example.com"})
    status, _, headers = read_response(app(allowed))
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    refused = http_api_event(None, method="OPTIONS", headers={"origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in read_response(app(refused))[2]

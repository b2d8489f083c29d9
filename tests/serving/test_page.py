"""The try-it page as the function serves it; tests/integration/test_browser.py runs it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from classifier_devtools.events import http_api_event
from image_classifier.page import PAGE_PATH
from tests.support.factories import b64, digit_png, label, read_response

PAGE_LIMIT_BYTES = 30 * 1024


def get_page(classify, path="/", method="GET"):
    response = classify(http_api_event(None, method=method, path=path))
    return response["statusCode"], response["headers"], response["body"]


@pytest.mark.parametrize("path", ["/", "/index.html", "/dev/index.html"])
def test_page_is_served_as_html(classify, path):
    status, headers, body = get_page(classify, path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.lower().startswith("<!doctype html>")
    assert body == PAGE_PATH.read_text(encoding="utf-8")


def test_page_is_small_and_self_contained(classify):
    _, _, body = get_page(classify)
    assert len(body.encode("utf-8")) < PAGE_LIMIT_BYTES
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body), "no external resources"
    assert not re.search(r"""fetch\(\s*["'`](/|https?:)""", body), "relative URLs only"
    assert "<link" not in body and "<script src" not in body


def test_csp_allows_exactly_the_inline_script_and_style(classify):
    _, headers, body = get_page(classify)
    policy = headers["Content-Security-Policy"]
    for tag in ("script", "style"):
        (inline,) = re.findall(rf"<{tag}>(.*?)</{tag}>", body, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "connect-src 'self'" in policy and "default-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_head_has_headers_and_no_body(classify):
    status, headers, body = get_page(classify, method="HEAD")
    assert status == 200 and body == "" and headers["Content-Type"].startswith("text/html")


def test_page_is_read_once_at_init_not_per_request(classify, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the page was read on the request path")

    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    status, _, body = get_page(classify)
    assert status == 200 and "<main>" in body


def test_post_to_root_still_classifies(classify):
    event = http_api_event(json.dumps({"image": b64(digit_png("3"))}), path="/")
    status, document, _ = read_response(classify(event))
    assert status == 200 and document["predictions"][0]["label"] == label(3)


def test_wrong_method_on_the_page_is_405(classify):
    status, document, headers = read_response(
        classify(http_api_event(None, method="DELETE", path="/index.html"))
    )
    assert status == 405 and document["error"]["code"] == "method_not_allowed"
    assert headers["Allow"] == "GET, HEAD, OPTIONS"


def test_what_the_page_sends_is_accepted(classify):
    """The page's request: a JSON batch with top_k, Content-Type as browsers write it."""
    body = json.dumps({"images": [b64(digit_png("1")), b64(digit_png("2"))], "top_k": 3})
    event = http_api_event(body, headers={"content-type": "application/json;charset=UTF-8"})
    status, document, headers = read_response(classify(event))
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert [r["predictions"][0]["label"] for r in document["results"]] == [label(1), label(2)]


def test_preflight_allows_the_pages_content_type(classify):
    event = http_api_event(
        None,
        method="OPTIONS",
        headers={
            "origin": "https://example.org",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    status, _, headers = read_response(classify(event))
    assert status == 204
    allowed = [h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")]
    assert "content-type" in allowed
    assert "POST" in headers["Access-Control-Allow-Methods"]

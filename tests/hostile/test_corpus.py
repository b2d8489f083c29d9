"""Every hostile case gets its exact answer, echoes nothing, and leaves the handler healthy."""

from __future__ import annotations

import json

import pytest

from tests.support.factories import load_event, read_response
from tests.support.hostile_corpus import build_corpus

CORPUS = build_corpus()
# Scanning a multi-megabyte body for echoes takes seconds: those cases are slow.
SLOW_BYTES = 1_000_000


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.fixture(scope="module")
def baseline(handler_module):
    return handler_module.classify(load_event("http_api_v2"))


def shares_a_window(needle: str, haystack: str, width: int = 16) -> bool:
    windows = {haystack[i : i + width] for i in range(len(haystack) - width + 1)}
    return any(needle[i : i + width] in windows for i in range(len(needle) - width + 1))


def logged_error(captured_logs) -> str | None:
    """The error code of the last request log line."""
    requests = [line for line in captured_logs.lines if line.get("event") == "request"]
    return requests[-1].get("error")


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.slow) if len(json.dumps(c.event)) > SLOW_BYTES else c
        for c in CORPUS
    ],
    ids=[c.name for c in CORPUS],
)
def test_hostile_case(case, classify, baseline, captured_logs):
    response = classify(case.event)
    status, document, headers = read_response(response)
    assert status == case.status
    assert headers["Content-Type"] == "application/json"
    if case.code is None:
        assert "error" not in document
    elif case.tf:
        assert set(document) == {"error"} and isinstance(document["error"], str)
        assert document["error"] and logged_error(captured_logs) == case.code
    else:
        assert document["error"]["code"] == case.code and document["error"]["message"]
    text = json.dumps(response)
    logs = "\n".join(captured_logs)
    assert "Traceback" not in text and "Traceback" not in logs
    for marker in case.markers:
        assert not shares_a_window(marker, text), "response echoes the input"
        assert not shares_a_window(marker, logs), "log echoes the input"
    assert classify(load_event("http_api_v2")) == baseline

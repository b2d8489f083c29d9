"""The `sls invoke local` output parser finds the handler's value after the log lines."""

from __future__ import annotations

import json

from classifier_devtools.demo_show import card, invoke, invoke_result, response_line

REPLY = {
    "statusCode": 200,
    "body": json.dumps({"predictions": [{"label": "7", "score": 0.98765}]}),
}


def sls_output(value: object) -> str:
    """What the CLI prints: log lines first, then the value pretty-printed."""
    logs = '{"level": "INFO", "message": "request"}\nsome plugin line'
    return logs + "\n" + json.dumps(value, indent=4) + "\n"


def test_the_value_after_the_logs_is_parsed():
    assert invoke_result(sls_output(REPLY)) == REPLY
    assert invoke_result(sls_output([1, 2])) == [1, 2]


def test_invoke_summarises_the_reply_with_its_status():
    assert invoke(sls_output(REPLY)) == "7 0.9877 (status 200)"


def test_a_direct_invocation_has_no_status():
    direct = {"predictions": [{"label": "3", "score": 0.5}]}
    assert invoke(sls_output(direct)) == "3 0.5000 (status direct)"


def test_errors_print_their_code_and_message():
    document = {"error": {"code": "invalid_image", "message": "Not an image."}}
    assert response_line(document) == "error invalid_image: Not an image."


def test_the_card_line_names_the_model():
    document = {"name": "m", "version": "2", "labels": ["a"], "input": {"height": 8}}
    assert card(document) == "m v2, labels ['a'], input {'height': 8}"

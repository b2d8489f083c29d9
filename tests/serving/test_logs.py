"""Log lines of every path, parsed as JSON: levels, Lambda context, correlation id, fields."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import pytest

from classifier_devtools.events import s3_event
from image_classifier import logs, s3_trigger
from tests.support.envelopes import batch_job
from tests.support.factories import b64, digit_png, json_event, label, load_event
from tests.support.moto_s3 import BUCKET, mocked_s3

CONTEXT_FIELDS = {"cold_start", "function_name", "function_version", "function_request_id"}


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that the logger reads."""

    aws_request_id: str = "c0ffee00-1111-2222-3333-444455556666"
    function_name: str = "image-classifier-dev-classify"
    function_version: str = "7"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:classify"


@pytest.fixture
def context():
    return LambdaContext()


def named(lines, event):
    return [line for line in lines if line.get("event") == event]


def assert_context(line, context):
    assert line["function_name"] == context.function_name
    assert line["function_version"] == context.function_version
    assert line["function_request_id"] == context.aws_request_id
    assert isinstance(line["cold_start"], bool)
    assert line["service"] == "image-classifier" and line["timestamp"]


def test_http_request_line_has_level_context_correlation_and_fields(
    classify, context, captured_logs
):
    event = load_event("http_api_v2")
    classify(event, context)
    (line,) = captured_logs.lines
    assert line["level"] == "INFO" and line["message"] == line["event"] == "request"
    assert_context(line, context)
    assert line["correlation_id"] == event["requestContext"]["requestId"]
    assert line["shape"] == "http_api_v2" and line["status"] == 200 and line["images"] == 1
    assert line["top_label"] == label(7)
    assert all(line[k] >= 0 for k in ("decode_ms", "inference_ms", "total_ms"))
    assert json.loads(event["body"])["image"][:40] not in json.dumps(line)


def test_client_error_line_names_the_code(classify, context, captured_logs):
    classify(json_event({"image": "%%%"}), context)
    (line,) = captured_logs.lines
    assert line["level"] == "INFO" and line["status"] == 400
    assert line["error"] == "invalid_base64"
    assert_context(line, context)


def test_internal_error_is_an_error_line_without_the_exception_text(
    classify, classifier, context, monkeypatch, captured_logs
):
    def explode(batch):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(classifier, "predict", explode)
    event = load_event("http_api_v2")
    classify(event, context)
    fault, request = captured_logs.lines
    assert fault["level"] == "ERROR" and fault["event"] == "internal_error"
    assert fault["error_type"] == "RuntimeError" and fault["at"].startswith("test_logs.py:")
    assert request["status"] == 500 and request["error"] == "internal_error"
    for line in (fault, request):
        assert_context(line, context)
        assert line["correlation_id"] == event["requestContext"]["requestId"]
    assert "secret detail" not in "\n".join(captured_logs)
    assert "Traceback" not in "\n".join(captured_logs)


def test_s3_lines_carry_the_lambda_context_but_no_correlation_id(
    handler_module, context, captured_logs
):
    s3_trigger.s3_client.cache_clear()
    with mocked_s3() as s3:
        s3.put_object(Bucket=BUCKET, Key="uploads/a.png", Body=digit_png("3"))
        s3.put_object(Bucket=BUCKET, Key="uploads/b.png", Body=b"not an image at all")
        s3.put_object(Bucket=BUCKET, Key="uploads/notes.txt", Body=b"hello")
        keys = ["uploads/a.png", "uploads/b.png", "uploads/notes.txt"]
        handler_module.classify_upload(s3_event(BUCKET, keys), context)
    s3_trigger.s3_client.cache_clear()
    records = named(captured_logs.lines, "s3_record")
    assert [(r["key"], r["outcome"]) for r in records] == [
        ("uploads/a.png", "classified"),
        ("uploads/b.png", "failed"),
        ("uploads/notes.txt", "skipped"),
    ]
    assert records[0]["top_label"] == label(3) and records[1]["error"] == "invalid_image"
    (summary,) = named(captured_logs.lines, "s3_event")
    assert summary["classified"] == 1 and summary["failed"] == 1 and summary["skipped"] == 1
    for line in [*records, summary]:
        assert line["level"] == "INFO"
        assert_context(line, context)
        assert "correlation_id" not in line
    assert "not an image at all" not in "\n".join(captured_logs)


def test_batch_job_lines_carry_the_lambda_context(handler_module, context, captured_logs):
    s3_trigger.s3_client.cache_clear()
    with mocked_s3() as s3:
        s3.put_object(Bucket=BUCKET, Key="uploads/a.png", Body=digit_png("4"))
        job = batch_job("2.0", BUCKET, ["uploads/a.png"], {"force": "true"})
        handler_module.classify_batch_job(job, context)
    s3_trigger.s3_client.cache_clear()
    (task,) = named(captured_logs.lines, "batch_task")
    (summary,) = named(captured_logs.lines, "batch_job")
    assert task["outcome"] == "classified" and task["detail"] == label(4)
    for line in (task, summary):
        assert line["level"] == "INFO"
        assert_context(line, context)


def test_cold_start_is_true_only_for_the_first_invocation(
    classify, context, monkeypatch, captured_logs
):
    monkeypatch.setattr(logs._STATE, "cold_start", True)
    classify(load_event("http_api_v2"), context)
    classify(load_event("http_api_v2"), context)
    assert [line["cold_start"] for line in captured_logs.lines] == [True, False]


def test_context_keys_leave_with_the_invocation(classify, context, captured_logs):
    classify(load_event("http_api_v2"), context)
    logs.log("after_the_invocation")
    after = captured_logs.lines[-1]
    assert after["event"] == "after_the_invocation"
    assert not (CONTEXT_FIELDS | {"correlation_id"}) & set(after)


def test_without_a_context_the_function_comes_from_lambda_environment(
    classify, monkeypatch, captured_logs
):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "from-env")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    classify({"image": b64(digit_png("1"))})
    (line,) = captured_logs.lines
    assert line["function_name"] == "from-env" and line["function_version"] == "$LATEST"
    assert line["shape"] == "direct" and "correlation_id" not in line


@pytest.fixture
def reconfigured():
    """Applies other settings to the logger, then restores the handler's own."""
    yield logs.configure
    logs.configure("image-classifier", "INFO", 0.0)


def test_log_level_setting_drops_lower_lines(reconfigured, context, captured_logs):
    reconfigured("image-classifier", "WARNING", 0.0)
    with logs.invocation({}, context):
        logs.log("quiet")
        logs.log("loud", logging.WARNING, detail="kept")
    (line,) = captured_logs.lines
    assert line["level"] == "WARNING" and line["detail"] == "kept"


@pytest.mark.parametrize(("rate", "debug_lines"), [(1.0, 1), (0.0, 0)])
def test_sampled_invocations_log_debug(reconfigured, context, captured_logs, rate, debug_lines):
    reconfigured("image-classifier", "INFO", rate)
    with logs.invocation({}, context):
        logs.log("detail", logging.DEBUG)
    assert len(captured_logs.lines) == debug_lines
    assert all(line["sampling_rate"] == rate for line in captured_logs.lines)


def test_service_name_setting_names_the_service(reconfigured, captured_logs):
    reconfigured("my-classifier", "INFO", 0.0)
    logs.log("hello")
    assert captured_logs.lines[0]["service"] == "my-classifier"


def test_fields_named_like_log_record_attributes_are_kept_under_a_suffix(captured_logs):
    logs.log("odd_fields", name="n", module="m", message="x", args=3)
    line = captured_logs.lines[0]
    assert (line["name_"], line["module_"], line["message_"], line["args_"]) == ("n", "m", "x", 3)
    assert line["message"] == "odd_fields"


def test_location_names_the_caller(captured_logs):
    logs.log("where")
    assert captured_logs.lines[0]["location"].startswith("test_location_names_the_caller:")


def test_lines_are_written_to_stdout_one_json_object_each(classify, context, capsys):
    classify(load_event("http_api_v2"), context)
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    request = [line for line in printed if line.get("event") == "request"]
    assert len(request) == 1 and request[0]["level"] == "INFO"

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from image_classifier.errors import ConfigurationError
from image_classifier.settings import Settings
from tests.support.factories import ROOT

MODEL = Path("/var/task/model")


def test_defaults_when_nothing_is_set():
    settings = Settings.from_env(default_model_dir=MODEL, environ={})
    assert settings == Settings(model_dir=MODEL)


def test_every_variable_is_read():
    environ = {
        "MODEL_DIR": "other",
        "MAX_IMAGE_BYTES": "1000",
        "MAX_IMAGE_PIXELS": "2000",
        "MAX_BATCH": "4",
        "DEFAULT_TOP_K": "5",
        "CORS_ALLOW_ORIGIN": "https://example.com",
        "RESULTS_BUCKET": "results-bucket",
        "RESULTS_PREFIX": "out/",
        "ORT_INTRA_OP_THREADS": "3",
        "FORCE_RECLASSIFY": "1",
        "MODEL_PRECISION": "Float",
    }
    settings = Settings.from_env(default_model_dir=MODEL, environ=environ)
    assert settings == Settings(
        model_dir=MODEL.parent / "other",
        max_image_bytes=1000,
        max_image_pixels=2000,
        max_batch=4,
        default_top_k=5,
        cors_allow_origin="https://example.com",
        results_prefix="out/",
        results_bucket="results-bucket",
        ort_intra_op_threads=3,
        model_precision="float",
        force_reclassify=True,
    )


@pytest.mark.parametrize(
    ("raw", "force"),
    [
        ("", False),
        ("0", False),
        ("false", False),
        ("no", False),
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        (" on ", True),
    ],
)
def test_force_reclassify_is_a_yes_or_no(raw, force):
    settings = Settings.from_env(default_model_dir=MODEL, environ={"FORCE_RECLASSIFY": raw})
    assert settings.force_reclassify is force


def test_empty_values_mean_the_default():
    environ = {"MAX_BATCH": "", "RESULTS_PREFIX": "", "ORT_INTRA_OP_THREADS": ""}
    settings = Settings.from_env(default_model_dir=MODEL, environ=environ)
    assert settings.max_batch == 16 and settings.results_prefix == "results/"
    assert settings.ort_intra_op_threads == 1


@pytest.mark.parametrize("name", ["MAX_IMAGE_BYTES", "MAX_BATCH", "ORT_INTRA_OP_THREADS"])
@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_a_bad_number_is_a_clear_start_up_error(name, raw):
    with pytest.raises(ConfigurationError, match=f"{name}=.*need a positive integer"):
        Settings.from_env(default_model_dir=MODEL, environ={name: raw})


@pytest.mark.parametrize(
    ("environ", "threads"),
    [
        ({}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769"}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "3537"}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "10240"}, 2),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "not a number"}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "10240", "ORT_INTRA_OP_THREADS": "1"}, 1),
        ({"ORT_INTRA_OP_THREADS": "4"}, 4),
    ],
)
def test_intra_op_threads_follow_lambda_memory(environ, threads, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert (
        Settings.from_env(default_model_dir=MODEL, environ=environ).ort_intra_op_threads == threads
    )


def test_monitoring_settings_are_read():
    environ = {
        "MIN_CONFIDENCE": "0.8",
        "LOG_LEVEL": "warning",
        "LOG_SAMPLING_RATE": "0.1",
        "METRICS_NAMESPACE": "Vision",
        "SERVICE_NAME": "classifier-prod",
    }
    settings = Settings.from_env(default_model_dir=MODEL, environ=environ)
    assert (settings.min_confidence, settings.log_level, settings.log_sampling_rate) == (
        0.8,
        "WARNING",
        0.1,
    )
    assert (settings.metrics_namespace, settings.service_name) == ("Vision", "classifier-prod")


@pytest.mark.parametrize("name", ["MIN_CONFIDENCE", "LOG_SAMPLING_RATE"])
@pytest.mark.parametrize("raw", ["-0.1", "1.5", "nan", "half"])
def test_a_bad_fraction_is_a_clear_start_up_error(name, raw):
    with pytest.raises(ConfigurationError, match=f"{name}=.*need a number 0-1"):
        Settings.from_env(default_model_dir=MODEL, environ={name: raw})


def test_an_unknown_precision_is_a_clear_start_up_error():
    with pytest.raises(ConfigurationError, match="MODEL_PRECISION='fp16'"):
        Settings.from_env(default_model_dir=MODEL, environ={"MODEL_PRECISION": "fp16"})


def test_an_unknown_log_level_is_a_clear_start_up_error():
    with pytest.raises(ConfigurationError, match="LOG_LEVEL='LOUD'"):
        Settings.from_env(default_model_dir=MODEL, environ={"LOG_LEVEL": "LOUD"})


def test_handler_import_fails_naming_the_bad_variable_not_the_model():
    """Lambda reports an init error; the message says which setting to fix."""
    result = subprocess.run(
        [sys.executable, "-c", "import handler"],
        cwd=ROOT,
        env={"MAX_BATCH": "0", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ConfigurationError: environment variable MAX_BATCH='0'" in result.stderr
    assert "ModelLoadError" not in result.stderr

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from factories import ROOT

from image_classifier.errors import ModelLoadError
from image_classifier.model import Classifier, intra_op_threads


@pytest.fixture
def model_dir(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(ROOT / "model", target, ignore=shutil.ignore_patterns("report", "*.keras"))
    return target


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_loads_the_committed_model(classifier):
    assert classifier.labels == [str(i) for i in range(10)]
    assert classifier.spec.shape == (8, 8, 1)
    assert classifier.predict(np.zeros((3, 8, 8, 1), np.float32)).shape == (3, 10)


def test_top_k_is_sorted_and_scores_are_floats(classifier):
    probabilities = np.array([0.1, 0.5, 0.05, 0.3, 0.05, 0, 0, 0, 0, 0], np.float32)
    top = classifier.top_k(probabilities, 3)
    assert [p.label for p in top] == ["1", "3", "0"]
    assert all(type(p.score) is float for p in top)


def test_card_summarises_the_model(classifier):
    card = classifier.card()
    assert card["labels"] == classifier.labels
    assert card["input"]["height"] == 8 and card["input"]["color_mode"] == "L"
    assert card["metrics"]["test_accuracy"] >= 0.98


BREAKAGES = {
    "missing model.onnx": (lambda d: (d / "model.onnx").unlink(), "model.onnx: missing"),
    "truncated model.onnx": (
        lambda d: (d / "model.onnx").write_bytes((d / "model.onnx").read_bytes()[:1000]),
        "model.onnx: sha256 differs",
    ),
    "corrupt model.onnx without a recorded hash": (
        lambda d: (
            (d / "model.onnx").write_bytes(b"garbage" * 100),
            edit_json(d / "metadata.json", lambda m: m.pop("model_sha256")),
        ),
        "model.onnx: not a loadable model",
    ),
    "missing labels.json": (lambda d: (d / "labels.json").unlink(), "labels.json: missing"),
    "labels not matching the output width": (
        lambda d: (
            (d / "labels.json").write_text(json.dumps([str(i) for i in range(11)])),
            edit_json(d / "metadata.json", lambda m: m.pop("labels")),
        ),
        "labels.json: 11 labels but the model outputs 10 classes",
    ),
    "labels that are not strings": (
        lambda d: (d / "labels.json").write_text("[1, 2]"),
        "labels.json: must be a non-empty list",
    ),
    "metadata labels differing from labels.json": (
        lambda d: edit_json(d / "metadata.json", lambda m: m.update(labels=list("abcdefghij"))),
        "metadata.json: its labels differ",
    ),
    "metadata input spec not matching the graph": (
        lambda d: edit_json(d / "metadata.json", lambda m: m["input"].update(height=9)),
        "metadata.json: input spec [9, 8, 1] does not match the graph input [8, 8, 1]",
    ),
    "metadata without an input spec": (
        lambda d: edit_json(d / "metadata.json", lambda m: m.pop("input")),
        "metadata.json: invalid or missing input spec",
    ),
    "metadata that is not JSON": (
        lambda d: (d / "metadata.json").write_text("{not json"),
        "metadata.json: not valid JSON",
    ),
    "metadata that is a list": (
        lambda d: (d / "metadata.json").write_text("[]"),
        "metadata.json: must be a JSON object",
    ),
}


@pytest.mark.parametrize("case", BREAKAGES, ids=list(BREAKAGES))
def test_broken_artifacts_fail_at_start_up_naming_the_file(model_dir, case):
    breakage, message = BREAKAGES[case]
    breakage(model_dir)
    with pytest.raises(ModelLoadError) as error:
        Classifier(model_dir)
    assert message in str(error.value)
    assert str(model_dir) in str(error.value)


def test_handler_import_fails_with_the_message_when_model_dir_is_broken(model_dir):
    (model_dir / "labels.json").write_text("[]")
    result = subprocess.run(
        [sys.executable, "-c", "import handler"],
        cwd=ROOT,
        env={"MODEL_DIR": str(model_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert f"ModelLoadError: {model_dir}/labels.json: must be a non-empty list" in result.stderr


@pytest.mark.parametrize(
    ("environ", "threads"),
    [
        ({}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769"}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "3537"}, 1),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "10240"}, 2),
        ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "10240", "ORT_INTRA_OP_THREADS": "1"}, 1),
        ({"ORT_INTRA_OP_THREADS": "4"}, 4),
    ],
)
def test_intra_op_threads_follow_lambda_memory(environ, threads, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert intra_op_threads(environ) == threads

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from image_classifier.errors import ModelLoadError
from image_classifier.model import Classifier
from image_classifier.model_card import ModelCard
from tests.support.factories import CARD, ROOT


@pytest.fixture
def model_dir(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(ROOT / "model", target, ignore=shutil.ignore_patterns("report", "*.keras"))
    return target


N_LABELS = len(CARD["labels"])
SHAPE = [
    CARD["input"]["height"],
    CARD["input"]["width"],
    1 if CARD["input"]["color_mode"] == "L" else 3,
]


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_loads_the_committed_model(classifier):
    assert classifier.labels == CARD["labels"]
    spec = CARD["input"]
    channels = 1 if spec["color_mode"] == "L" else 3
    assert classifier.spec.shape == (spec["height"], spec["width"], channels)
    batch = np.zeros((3, *classifier.spec.shape), np.float32)
    assert classifier.predict(batch).shape == (3, len(CARD["labels"]))


def test_top_k_is_sorted_and_scores_are_floats(classifier):
    probabilities = np.zeros(len(classifier.labels), np.float32)
    probabilities[[1, 3, 0]] = [0.5, 0.3, 0.1]
    top = classifier.top_k(probabilities, 3)
    assert [p.label for p in top] == [classifier.labels[i] for i in (1, 3, 0)]
    assert all(type(p.score) is float for p in top)


def test_card_summarises_the_model(classifier):
    summary = classifier.card.summary()
    assert summary["name"] == CARD["name"] and summary["version"] == CARD["version"]
    assert summary["labels"] == classifier.labels
    assert summary["input"] == classifier.spec.to_dict()
    assert summary["metrics"] == CARD["metrics"]


def test_the_summary_shows_an_imported_models_provenance_when_the_card_has_it(model_dir):
    metadata = json.loads((model_dir / "metadata.json").read_text())
    extras = {
        "source": {"file": "net.onnx", "sha256": "0" * 64, "format": "onnx", "opset": 17},
        "preprocessing": {"layout": "NCHW", "folded": ["transpose NHWC to NCHW", "softmax"]},
        "parity": {"max_abs_diff": 1e-7, "top1_agreement": 1.0, "samples": 48},
        "evaluation": {"test_accuracy": 0.9, "source_accuracy": 0.9, "images": 10},
    }
    (model_dir / "metadata.json").write_text(json.dumps({**metadata, **extras}))
    summary = ModelCard.load(model_dir).summary()
    assert {key: summary[key] for key in extras} == extras
    metadata.pop("parity", None)
    (model_dir / "metadata.json").write_text(json.dumps(metadata))
    assert not set(extras) & set(ModelCard.load(model_dir).summary())


def test_the_card_loads_without_an_engine(model_dir):
    card = ModelCard.load(model_dir)
    assert card.model_path == model_dir / "model.onnx"
    assert card.top_k(np.eye(len(card.labels), dtype=np.float32)[2], 1)[0].label == card.labels[2]


class ConstantEngine:
    """Any object with predict() serves: the benchmark's peers rely on it."""

    def __init__(self, width):
        self.width = width

    def predict(self, batch):
        return np.full((len(batch), self.width), 1 / self.width, np.float32)


def test_any_engine_serves_behind_the_card(model_dir):
    card = ModelCard.load(model_dir)
    classifier = Classifier(card, ConstantEngine(len(card.labels)))
    assert classifier.predict(np.zeros((2, *card.spec.shape), np.float32)).shape[0] == 2


def test_an_engine_with_the_wrong_width_fails_at_start_up(model_dir):
    card = ModelCard.load(model_dir)
    with pytest.raises(ModelLoadError, match="labels but the model outputs shape"):
        Classifier(card, ConstantEngine(len(card.labels) + 1))


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
            (d / "labels.json").write_text(json.dumps([str(i) for i in range(N_LABELS + 1)])),
            edit_json(d / "metadata.json", lambda m: m.pop("labels")),
        ),
        f"labels.json: {N_LABELS + 1} labels but the model outputs {N_LABELS} classes",
    ),
    "labels that are not strings": (
        lambda d: (d / "labels.json").write_text("[1, 2]"),
        "labels.json: must be a non-empty list",
    ),
    "metadata labels differing from labels.json": (
        lambda d: edit_json(
            d / "metadata.json", lambda m: m.update(labels=[f"x{i}" for i in range(N_LABELS)])
        ),
        "metadata.json: its labels differ",
    ),
    "metadata input spec not matching the graph": (
        lambda d: edit_json(d / "metadata.json", lambda m: m["input"].update(height=SHAPE[0] + 1)),
        f"metadata.json: input spec {[SHAPE[0] + 1, *SHAPE[1:]]} does not match the graph "
        f"input {SHAPE}",
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
        Classifier.load(model_dir)
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

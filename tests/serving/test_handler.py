from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import onnxruntime

from classifier_training.data import split_indices
from image_classifier.model_card import ModelCard
from tests.support.factories import CARD, ROOT, binary_event, digits, load_event, read_response

# Powertools imports botocore's top-level package (0.6 ms, to tag its user agent) when it is
# installed; the costly parts of boto3 and botocore stay out of the HTTP path.
HEAVY = ("tensorflow", "keras", "tf2onnx", "boto3", "botocore.session", "botocore.client")


def test_importing_the_handler_loads_no_training_framework_and_no_boto3():
    code = (
        "import json, sys; import handler; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


def test_no_serving_module_imports_a_training_framework():
    code = (
        "import json, pkgutil, importlib, sys; import image_classifier; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages("
        "image_classifier.__path__, 'image_classifier.')]; "
        "print(json.dumps([m for m in ('tensorflow', 'keras', 'tf2onnx') if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "src", capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


def test_requests_reuse_the_model_loaded_at_import(classify, monkeypatch):
    """Good and bad requests alike: no request loads the card or creates a session."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a request loaded the model")

    monkeypatch.setattr(ModelCard, "load", forbidden)
    monkeypatch.setattr(onnxruntime, "InferenceSession", forbidden)
    events = [load_event("http_api_v2"), {"image": "iVBORw0KGgo="}, {"image": "***"}]
    statuses = [read_response(classify(event))[0] for event in events]
    assert statuses == [200, 400, 400]


def test_committed_model_answers_its_cards_test_split_as_the_card_records(classify):
    """The split is rebuilt as training made it (split_indices, the card's seed), so every
    figure is on images the model never trained on, and must match the card's own."""
    images, labels = digits()
    targets = np.array([CARD["labels"].index(name) for name in labels])
    splits = split_indices(np.arange(len(images)), targets, CARD["training"]["seed"])
    assert splits.sizes() == CARD["dataset"]["splits"]
    top = []
    for index in splits.test:
        status, document, _ = read_response(classify(binary_event(images[index])))
        assert status == 200
        top.append(document["predictions"][0])
    correct = sum(p["label"] == labels[i] for p, i in zip(top, splits.test, strict=True))
    print(f"handler accuracy on the {len(top)} test digits: {correct / len(top):.4f}")
    assert correct == round(CARD["metrics"]["test_accuracy"] * len(top))
    assert Counter(labels[i] for i in splits.test) == CARD["monitoring"]["test_class_counts"]
    # The card rounds its test-split top scores to 4 places.
    recorded = CARD["monitoring"]["test_top_scores"]
    np.testing.assert_allclose([p["score"] for p in top], recorded, rtol=0, atol=5.1e-5)

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.factories import ROOT, binary_event, digits, read_response

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


def test_model_session_is_created_once_at_import(handler_module, classify):
    session = handler_module.CLASSIFIER.engine.session
    for _ in range(3):
        classify({"image": "iVBORw0KGgo="})
    assert handler_module.CLASSIFIER.engine.session is session


def test_committed_model_classifies_the_digits_over_http_with_at_least_99_percent(classify):
    images, labels = digits()
    correct = 0
    for image, label in zip(images, labels, strict=True):
        status, document, _ = read_response(classify(binary_event(image)))
        assert status == 200
        correct += document["predictions"][0]["label"] == label
    accuracy = correct / len(labels)
    print(f"handler accuracy over {len(labels)} digits: {accuracy:.4f}")
    assert accuracy >= 0.99

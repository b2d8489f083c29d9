from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.support.factories import ROOT, binary_event, digits, encode, quadrants, read_response

HEAVY = ("tensorflow", "keras", "tf2onnx", "boto3", "botocore")


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


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """Digits and larger photos in several formats, as files in one class folder."""
    root = tmp_path_factory.mktemp("skew")
    folder = root / "any"
    folder.mkdir()
    (root / "other").mkdir()
    (root / "other" / "x.png").write_bytes(digits()[0][1])
    for i, png in enumerate(digits()[0][:40]):
        (folder / f"digit_{i:02d}.png").write_bytes(png)
    photo = quadrants(250, 30, 90, 200, side=640)
    (folder / "photo.jpg").write_bytes(encode(photo.resize((640, 480)), "JPEG", quality=90))
    (folder / "photo.webp").write_bytes(encode(photo.convert("RGB"), "WEBP"))
    (folder / "photo.bmp").write_bytes(encode(photo, "BMP"))
    return root


def test_handler_scores_match_keras_on_training_preprocessing(image_folder, classify, classifier):
    """Skew test: training's folder loader plus Keras against the deployed handler."""
    keras = pytest.importorskip("keras")
    from classifier_training.data import load_folder_dataset

    dataset = load_folder_dataset(image_folder, classifier.spec)
    model = keras.models.load_model(ROOT / "model" / "model.keras")
    expected = model.predict(dataset.x, verbose=0)
    files = sorted(p for p in image_folder.rglob("*") if p.is_file())
    assert len(files) == len(expected)
    for path, row in zip(files, expected, strict=True):
        event = binary_event(path.read_bytes(), "image/" + path.suffix[1:])
        status, document, _ = read_response(classify(event))
        assert status == 200
        served = {p["label"]: p["score"] for p in document["predictions"]}
        for label, score in served.items():
            assert abs(score - row[int(label)]) <= 1e-5, path.name
        assert int(document["predictions"][0]["label"]) == int(np.argmax(row))

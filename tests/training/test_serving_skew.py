"""Train/serve skew: training's folder loader plus Keras against the deployed handler."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from classifier_training.data import load_folder_dataset
from tests.support.factories import ROOT, binary_event, digits, encode, quadrants, read_response

pytestmark = pytest.mark.slow


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
            assert abs(score - row[classifier.labels.index(label)]) <= 1e-5, path.name
        assert document["predictions"][0]["label"] == classifier.labels[int(np.argmax(row))]

"""The per-image activation store: views, keys by content and producer, reuse."""

from __future__ import annotations

import numpy as np

from classifier_training.cache import open_or_build
from classifier_training.data import folder_source
from classifier_training.feature_store import VIEWS, FeatureStore, views
from image_classifier.preprocessing import InputSpec
from tests.training.conftest import photo_folder

SPEC = InputSpec(16, 16, "RGB")


class Producer:
    """Activations that identify their image: its mean per channel, counted per call."""

    def __init__(self) -> None:
        self.images = 0

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        self.images += len(pixels)
        return pixels.reshape(len(pixels), -1, 3)[:, :4].astype(np.float32)


def test_each_image_is_followed_by_its_mirror_image():
    pixels = np.arange(2 * 2 * 3 * 1).reshape(2, 2, 3, 1)
    out = views(pixels)
    assert len(out) == 2 * len(VIEWS)
    np.testing.assert_array_equal(out[1], pixels[0][:, ::-1])
    np.testing.assert_array_equal(out[2], pixels[1])


def test_unchanged_images_are_never_recomputed(tmp_path):
    folder = photo_folder(tmp_path / "photos", classes=2, per_class=5, side=16)
    cache = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    producer = Producer()
    store = FeatureStore({"backbone": "test"}, tmp_path / "features")
    first = store.activations(cache, cache.rows, producer, batch=3)
    assert first.shape == (10, len(VIEWS), 4, 3) and first.dtype == np.float16
    assert (producer.images, store.computed, store.reused) == (20, 10, 0)

    (folder / "class_0" / "extra.jpg").write_bytes((folder / "class_1" / "000.jpg").read_bytes())
    grown = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    again = FeatureStore({"backbone": "test"}, tmp_path / "features")
    second = again.activations(grown, grown.rows, producer, batch=4)
    assert (again.computed, again.reused) == (0, 11)  # the new file repeats a known image
    assert producer.images == 20
    np.testing.assert_array_equal(second[[r for r in range(11) if r != 5]], first)


def test_another_producer_gets_its_own_entries(tmp_path):
    folder = photo_folder(tmp_path / "photos", classes=2, per_class=5, side=16)
    cache = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    FeatureStore({"backbone": "a"}, tmp_path / "f").activations(cache, cache.rows, Producer())
    other = FeatureStore({"backbone": "b"}, tmp_path / "f")
    other.activations(cache, cache.rows, Producer())
    assert other.computed == 10

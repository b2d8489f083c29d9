"""The per-image, per-view activation store: views, keys by content and producer, reuse."""

from __future__ import annotations

import numpy as np

from classifier_training.cache import open_or_build
from classifier_training.data import folder_source
from classifier_training.feature_store import VIEWS, FeatureStore, view
from image_classifier.preprocessing import InputSpec
from tests.training.conftest import photo_folder

SPEC = InputSpec(16, 16, "RGB")
ALL = tuple(VIEWS)


class Producer:
    """Activations that identify their input: its first pixels, counted per call."""

    def __init__(self) -> None:
        self.images = 0

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        self.images += len(pixels)
        return pixels.reshape(len(pixels), -1, 3)[:, :4].astype(np.float32)


def test_views_are_the_image_its_mirror_and_repeatable_crops():
    pixels = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    np.testing.assert_array_equal(view(pixels, "original"), pixels)
    np.testing.assert_array_equal(view(pixels, "mirror"), pixels[:, ::-1])
    crop = view(pixels, "crop")
    assert crop.shape == pixels.shape and not np.array_equal(crop, pixels)
    np.testing.assert_array_equal(view(pixels, "crop"), crop)
    assert not np.array_equal(view(pixels, "second crop"), crop)


def test_unchanged_images_are_never_recomputed(tmp_path):
    folder = photo_folder(tmp_path / "photos", classes=2, per_class=5, side=16)
    cache = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    producer = Producer()
    store = FeatureStore({"backbone": "test"}, tmp_path / "features")
    first = store.activations(cache, cache.rows, producer, ALL, batch=3)
    assert first.shape == (10, len(ALL), 4, 3) and first.dtype == np.float16
    assert (producer.images, store.computed, store.reused) == (40, 40, 0)

    (folder / "class_0" / "extra.jpg").write_bytes((folder / "class_1" / "000.jpg").read_bytes())
    grown = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    again = FeatureStore({"backbone": "test"}, tmp_path / "features")
    second = again.activations(grown, grown.rows, producer, ALL, batch=4)
    assert (again.computed, again.reused) == (0, 44)  # the new file repeats a known image
    assert producer.images == 40
    np.testing.assert_array_equal(second[[r for r in range(11) if r != 5]], first)


def test_fewer_views_reuse_what_is_there_and_compute_only_what_is_asked(tmp_path):
    folder = photo_folder(tmp_path / "photos", classes=2, per_class=5, side=16)
    cache = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    store = FeatureStore({"backbone": "test"}, tmp_path / "f")
    originals = store.activations(cache, cache.rows, Producer())
    assert originals.shape[1] == 1 and store.computed == 10
    both = FeatureStore({"backbone": "test"}, tmp_path / "f")
    both.activations(cache, cache.rows, Producer(), ("original", "mirror"))
    assert (both.computed, both.reused) == (10, 10)


def test_another_producer_gets_its_own_entries(tmp_path):
    folder = photo_folder(tmp_path / "photos", classes=2, per_class=5, side=16)
    cache = open_or_build(folder_source(folder), SPEC, tmp_path / "images")
    FeatureStore({"backbone": "a"}, tmp_path / "f").activations(cache, cache.rows, Producer())
    other = FeatureStore({"backbone": "b"}, tmp_path / "f")
    other.activations(cache, cache.rows, Producer())
    assert other.computed == 10

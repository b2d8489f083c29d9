"""The decoded-image cache: decoded once through serving's preprocess, reused, read by row."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training import cache as cache_module
from classifier_training.cache import cache_key, open_or_build
from classifier_training.data import folder_source
from image_classifier.preprocessing import InputSpec, preprocess
from tests.training.conftest import photo_folder

SPEC = InputSpec(24, 24, "RGB")


@pytest.fixture
def folder(tmp_path):
    root = photo_folder(tmp_path / "photos", classes=2, per_class=6)
    (root / "class_1" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return root


def test_rows_hold_exactly_what_serving_preprocess_gives(folder, tmp_path):
    source = folder_source(folder)
    cache = open_or_build(source, SPEC, tmp_path / "cache")
    rows = cache.rows
    assert len(rows) == 12 and not cache.reused
    pixels = cache.read(rows)
    for row, array in zip(rows, pixels, strict=True):
        expected = preprocess(source.items[row].read_bytes(), SPEC)
        np.testing.assert_array_equal(array, expected.astype(np.uint8))
    broken = [i for i, p in enumerate(source.items) if p.name == "broken.jpg"]
    assert list(cache.errors) == broken and not cache.ok[broken[0]]


def test_a_second_run_decodes_nothing(folder, tmp_path, monkeypatch):
    first = open_or_build(folder_source(folder), SPEC, tmp_path / "cache")

    def fail(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(cache_module, "_decode_all", fail)
    second = open_or_build(folder_source(folder), SPEC, tmp_path / "cache")
    assert second.reused and second.key == first.key
    np.testing.assert_array_equal(second.read(second.rows), first.read(first.rows))


def test_the_key_follows_the_content_and_the_input_spec(folder):
    source = folder_source(folder)
    assert cache_key(source.content_hash, SPEC) != cache_key(
        source.content_hash, InputSpec(24, 24, "RGB", resize="bicubic")
    )
    (folder / "class_0" / "000.jpg").write_bytes((folder / "class_0" / "001.jpg").read_bytes())
    assert folder_source(folder).content_hash != source.content_hash


@pytest.mark.slow
def test_the_worker_pool_fills_the_same_rows(folder, tmp_path, monkeypatch):
    in_process = open_or_build(folder_source(folder), SPEC, tmp_path / "a")
    monkeypatch.setattr(cache_module, "IN_PROCESS_BELOW", 0)
    monkeypatch.setattr(cache_module, "CHUNK", 4)
    pooled = open_or_build(folder_source(folder), SPEC, tmp_path / "b")
    np.testing.assert_array_equal(pooled.ok, in_process.ok)
    np.testing.assert_array_equal(pooled.read(pooled.rows), in_process.read(in_process.rows))


def test_greyscale_photos_are_flagged_after_conversion_to_rgb(tmp_path):
    root = photo_folder(tmp_path / "grey", classes=2, per_class=5, grey=True)
    cache = open_or_build(folder_source(root), SPEC, tmp_path / "cache")
    assert cache.grey[cache.ok].all()

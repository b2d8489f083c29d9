"""Near duplicates: the perceptual hash survives a crop, a resize and recompression, and a
pair is reported only when the embeddings and the pixels both agree."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from classifier_training.audit.corruption import NEAR_VARIANTS, near_copy
from classifier_training.audit.near import MAX_HASH_DISTANCE, near_pairs, perceptual_hash


def pixels(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data)).convert("RGB").resize((224, 224))
    return np.asarray(image)


def distance(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.count_nonzero(perceptual_hash(a) != perceptual_hash(b)))


def test_a_near_copy_keeps_its_hash_and_another_photo_does_not(make_scene):
    original = make_scene(0, 1)
    for variant in NEAR_VARIANTS:
        assert distance(pixels(original), pixels(near_copy(original, variant))) <= 6, variant
    others = [distance(pixels(original), pixels(make_scene(0, i))) for i in range(2, 12)]
    assert min(others) > MAX_HASH_DISTANCE


def test_a_pair_needs_both_close_embeddings_and_close_hashes(make_scene):
    images = [pixels(make_scene(0, 1)), pixels(near_copy(make_scene(0, 1), "all"))]
    images += [pixels(make_scene(1, 2)), pixels(make_scene(1, 3))]
    stack = np.stack(images)
    # 0-1: a near copy; 2-3: two different photos that the embeddings call alike.
    embeddings = np.array([[1, 0, 0], [0.95, 0.1, 0], [0, 1, 0], [0, 0.99, 0.05]])
    pairs = near_pairs(embeddings, lambda positions: stack[positions])
    assert [(p.first, p.second) for p in pairs] == [(0, 1)]
    assert pairs[0].similarity > 0.99 and pairs[0].distance <= MAX_HASH_DISTANCE


def test_no_candidates_means_no_pairs():
    embeddings = np.eye(3)
    assert near_pairs(embeddings, lambda positions: np.zeros((len(positions), 8, 8, 3))) == []

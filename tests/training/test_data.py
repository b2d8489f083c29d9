"""Dataset listing and the stratified, seeded split."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training.data import check_classes, digits_source, split_indices
from classifier_training.errors import TrainingInputError


def test_split_is_stratified_disjoint_and_fixed_by_the_seed():
    targets = np.repeat([0, 1, 2], [40, 60, 100])
    rows = np.arange(len(targets)) * 2  # rows need not be contiguous
    first = split_indices(rows, targets, seed=7)
    again = split_indices(rows, targets, seed=7)
    other = split_indices(rows, targets, seed=8)
    parts = [first.train, first.validation, first.test]
    assert sum(len(p) for p in parts) == 200
    assert len(set(np.concatenate(parts))) == 200 and set(np.concatenate(parts)) <= set(rows)
    np.testing.assert_array_equal(first.test, again.test)
    assert not np.array_equal(first.test, other.test)
    test_classes = targets[first.test // 2]
    assert np.bincount(test_classes).tolist() == [6, 9, 15]


def test_a_class_too_small_to_split_is_refused():
    with pytest.raises(TrainingInputError, match=r"fewer than 5 images.*b \(2\)"):
        check_classes(["a", "b"], np.array([0] * 9 + [1] * 2))


def test_digits_source_lists_every_image_with_a_stable_hash():
    source = digits_source()
    assert len(source) == 1797 and source.labels == [str(i) for i in range(10)]
    assert source.content_hash == digits_source().content_hash

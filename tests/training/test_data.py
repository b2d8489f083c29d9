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


def test_no_duplicate_group_straddles_train_validation_and_test():
    targets = np.repeat([0, 1, 2], [60, 80, 100])
    rows = np.arange(len(targets)) + 1000
    groups = rows.copy()
    # Pairs, triples and a group of five copies, within and across classes.
    for members in ([0, 1], [10, 11, 12], [70, 71], [150, 151, 152, 153, 154], [5, 65]):
        groups[members] = groups[members[0]]
    splits = split_indices(rows, targets, seed=3, groups=groups)
    where = {}
    for name, part in (("train", splits.train), ("val", splits.validation), ("test", splits.test)):
        for row in part:
            where.setdefault(groups[row - 1000], set()).add(name)
    assert all(len(names) == 1 for names in where.values())
    assert sum(len(p) for p in (splits.train, splits.validation, splits.test)) == 240
    assert 0.1 <= len(splits.test) / 240 <= 0.2 and 0.1 <= len(splits.validation) / 240 <= 0.2
    assert set(np.bincount(targets[splits.test - 1000])) != {0}


def test_groups_of_one_give_the_plain_stratified_split():
    targets = np.repeat([0, 1, 2], [40, 60, 100])
    rows = np.arange(len(targets))
    plain = split_indices(rows, targets, seed=7)
    grouped = split_indices(rows, targets, seed=7, groups=rows.copy())
    assert sum(len(p) for p in (grouped.train, grouped.validation, grouped.test)) == 200
    assert abs(len(grouped.test) - len(plain.test)) <= 1


def test_an_extra_folder_adds_to_its_classes_and_keeps_the_main_hash(tmp_path):
    from classifier_training.data import folder_source

    main, review = tmp_path / "main", tmp_path / "review"
    for folder, names in ((main, ["a", "b"]), (review, ["b", "c"])):
        for name in names:
            (folder / name).mkdir(parents=True)
            (folder / name / "1.jpg").write_bytes(f"{folder.name}{name}".encode())
    (review / "queue.csv").write_text("key,label,score,file\n")
    alone = folder_source(main)
    both = folder_source(main, [review])
    assert both.labels == ["a", "b", "c"]
    names = [p.relative_to(tmp_path).as_posix() for p in both.items]
    assert names == ["main/a/1.jpg", "main/b/1.jpg", "review/b/1.jpg", "review/c/1.jpg"]
    assert both.targets.tolist() == [0, 1, 1, 2]
    assert alone.content_hash == folder_source(main, []).content_hash != both.content_hash


def test_groups_too_large_to_keep_every_class_in_every_split_are_refused():
    targets = np.repeat([0, 1, 2], 20)
    groups = targets.copy()  # each class one group of copies
    groups[:5] = np.arange(100, 105)
    with pytest.raises(TrainingInputError, match="cannot split the dataset"):
        split_indices(np.arange(60), targets, seed=0, groups=groups)

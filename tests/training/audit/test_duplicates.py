"""Copies merged into groups: identical files, near copies, and copies across classes."""

from __future__ import annotations

import numpy as np

from classifier_training.audit.duplicates import group_duplicates
from classifier_training.audit.exact import content_hash, exact_groups
from classifier_training.audit.near import NearPair

LABELS = ["a", "b"]


def run(hashes, near, targets):
    rows = sorted(hashes)
    paths = [f"{LABELS[t]}/{i}.jpg" for i, t in enumerate(targets)]
    edges = [(a, b, NearPair(a, b, s, 3)) for a, b, s in near]
    return group_duplicates(rows, hashes, edges, np.array(targets), LABELS, paths)


def test_identical_bytes_share_a_hash_and_form_a_group(tmp_path):
    (tmp_path / "x.jpg").write_bytes(b"same")
    (tmp_path / "y.jpg").write_bytes(b"same")
    (tmp_path / "z.jpg").write_bytes(b"other")
    hashes = {i: content_hash(tmp_path / n) for i, n in enumerate(["x.jpg", "y.jpg", "z.jpg"])}
    assert exact_groups(hashes) == [[0, 1]]


def test_exact_copies_in_one_class_are_collapsed_to_the_first():
    found = run({0: "h", 1: "h", 2: "g", 3: "k"}, [], [0, 0, 0, 1])
    assert [(f.kind, f.paths) for f in found.findings] == [
        ("exact_duplicate", ("a/0.jpg", "a/1.jpg"))
    ]
    assert found.collapsed == [1]
    assert found.groups[0] == found.groups[1] != found.groups[2]


def test_a_near_copy_is_a_near_duplicate_with_its_similarity():
    found = run({0: "h", 1: "g", 2: "k"}, [(0, 2, 0.91)], [0, 0, 0])
    assert [(f.kind, f.paths, round(f.score, 2)) for f in found.findings] == [
        ("near_duplicate", ("a/0.jpg", "a/2.jpg"), 0.91)
    ]
    assert found.collapsed == [] and found.groups[0] == found.groups[2]


def test_copies_under_two_classes_conflict_and_none_is_collapsed():
    found = run({0: "h", 1: "h", 2: "g", 3: "k"}, [(2, 3, 0.88)], [0, 1, 0, 1])
    kinds = sorted((f.kind, f.paths) for f in found.findings)
    assert kinds == [
        ("conflicting_labels", ("a/0.jpg", "b/1.jpg")),
        ("conflicting_labels", ("a/2.jpg", "b/3.jpg")),
    ]
    assert found.collapsed == [] and found.conflicting == {0, 1, 2, 3}


def test_chains_of_copies_become_one_group():
    found = run({0: "h", 1: "g", 2: "k", 3: "m"}, [(0, 1, 0.9), (1, 2, 0.85)], [1, 1, 1, 1])
    assert len({found.groups[r] for r in (0, 1, 2)}) == 1 and found.groups[3] == 3
    assert [f.paths for f in found.findings] == [("b/0.jpg", "b/1.jpg", "b/2.jpg")]

"""Exact and near copies merged into groups: the findings, the rows training collapses, and
the groups a split keeps whole.

A group whose members are filed under two or more classes is `conflicting_labels` (someone
must choose); otherwise its identical files are an `exact_duplicate` and its distinct versions
a `near_duplicate`. Exact copies within one class are collapsed to the first; copies across
classes are all kept, in one split.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from classifier_training.audit.document import (
    CONFLICTING_LABELS,
    EXACT_DUPLICATE,
    NEAR_DUPLICATE,
    Finding,
)
from classifier_training.audit.near import NearPair


@dataclass
class Duplicates:
    findings: list[Finding]
    groups: dict[int, int]  # row -> group id (the group's first row); singletons included
    collapsed: list[int]  # rows that are exact copies of a kept row in the same class
    conflicting: set[int]  # rows of a group filed under two or more classes


class _UnionFind:
    def __init__(self, rows: list[int]) -> None:
        self.parent = {row: row for row in rows}

    def find(self, row: int) -> int:
        while self.parent[row] != row:
            self.parent[row] = self.parent[self.parent[row]]
            row = self.parent[row]
        return row

    def union(self, a: int, b: int) -> None:
        first, second = sorted((self.find(a), self.find(b)))
        self.parent[second] = first


def group_duplicates(
    rows: list[int],
    hashes: dict[int, str],
    near: list[tuple[int, int, NearPair]],
    targets: np.ndarray,
    labels: list[str],
    paths: list[str],
) -> Duplicates:
    """`near` holds (row, row, pair) edges; `targets`, `paths` are indexed by row."""
    union = _UnionFind(rows)
    by_hash: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_hash[hashes[row]].append(row)
    for members in by_hash.values():
        for row in members[1:]:
            union.union(members[0], row)
    best: dict[int, NearPair] = {}
    for a, b, _ in near:
        union.union(a, b)
    for a, _, pair in near:
        root = union.find(a)
        if root not in best or pair.similarity > best[root].similarity:
            best[root] = pair
    components: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        components[union.find(row)].append(row)
    findings: list[Finding] = []
    collapsed: list[int] = []
    conflicting: set[int] = set()
    for root, members in sorted(components.items()):
        if len(members) < 2:
            continue
        classes = sorted({labels[int(targets[row])] for row in members})
        member_paths = tuple(paths[row] for row in members)
        closest = best.get(root)
        if len(classes) > 1:
            conflicting.update(members)
            findings.append(
                Finding(
                    CONFLICTING_LABELS,
                    member_paths,
                    1.0 if closest is None else closest.similarity,
                    f"the same photo under {', '.join(classes)}",
                )
            )
        exact = [
            group
            for group in _by_hash(members, hashes)
            if len(group) > 1 and len({int(targets[row]) for row in group}) == 1
        ]
        for group in exact:
            collapsed += group[1:]
            if len(classes) == 1:
                findings.append(
                    Finding(
                        EXACT_DUPLICATE,
                        tuple(paths[row] for row in group),
                        1.0,
                        f"{len(group)} identical files",
                    )
                )
        if len(classes) == 1 and closest is not None:
            findings.append(
                Finding(
                    NEAR_DUPLICATE,
                    member_paths,
                    closest.similarity,
                    f"cosine similarity {closest.similarity:.3f}, perceptual hashes "
                    f"{closest.distance} of 63 bits apart",
                )
            )
    groups = {row: union.find(row) for row in rows}
    return Duplicates(findings, groups, sorted(collapsed), conflicting)


def _by_hash(members: list[int], hashes: dict[int, str]) -> list[list[int]]:
    grouped: dict[str, list[int]] = defaultdict(list)
    for row in members:
        grouped[hashes[row]].append(row)
    return list(grouped.values())

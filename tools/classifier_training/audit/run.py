"""The audit of one dataset: every check in order, on the decoded-image cache training uses.

Without embeddings (the digits, or a backbone that has none) the checks that need them are
listed as skipped, and the rest still run: that audit costs a hash per file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier_training.audit.balance import imbalance
from classifier_training.audit.document import LABEL_ISSUE, NEAR_DUPLICATE, AuditDocument, Finding
from classifier_training.audit.duplicates import group_duplicates
from classifier_training.audit.exact import content_hashes
from classifier_training.audit.labels import label_issues
from classifier_training.audit.near import near_pairs
from classifier_training.audit.readability import unreadable
from classifier_training.audit.tiny import tiny_images
from classifier_training.cache import ImageCache
from classifier_training.data import Source

Embed = Callable[[np.ndarray], np.ndarray]  # cache rows -> (len(rows), D) embeddings
NO_EMBEDDINGS = "needs the pretrained embeddings (an EfficientNet-Lite backbone)"


@dataclass(frozen=True)
class SuspectLabel:
    row: int
    given: str
    suggested: str
    score: float


@dataclass
class Audit:
    document: AuditDocument
    groups: dict[int, int]  # readable row -> its duplicate group (rows a split keeps together)
    collapsed: list[int]  # exact copies of a kept row in the same class
    suspects: list[SuspectLabel] = field(default_factory=list)  # most suspect first
    seconds: float = 0.0

    def split_groups(self, rows: np.ndarray) -> np.ndarray | None:
        """The group of each row, or None when every row is alone (a plain stratified split)."""
        groups = np.array([self.groups.get(int(row), int(row)) for row in rows])
        return None if len(np.unique(groups)) == len(groups) else groups


def display_paths(source: Source, data_dir: Path | None) -> list[str]:
    """Each item's path relative to the data folder, `/`-separated (in-memory images: class/n)."""
    if data_dir is None:
        return [f"{source.labels[int(t)]}/{i}" for i, t in enumerate(source.targets)]
    return [Path(os.path.relpath(item, data_dir)).as_posix() for item in source.items]  # type: ignore[arg-type]


def audit(
    source: Source,
    cache: ImageCache,
    data_dir: Path | None,
    embed: Embed | None = None,
    seed: int = 42,
) -> Audit:
    started = time.perf_counter()
    paths = display_paths(source, data_dir)
    rows = [int(r) for r in cache.rows]
    targets = cache.targets
    classes = {
        label: int(n)
        for label, n in zip(
            source.labels, np.bincount(targets[rows], minlength=len(source.labels)), strict=True
        )
    }
    findings: list[Finding] = unreadable(cache, paths, source.skipped_names)
    hashes = content_hashes(source, np.asarray(rows))
    skipped: dict[str, str] = {}
    near = []
    embeddings = None
    if embed is not None and rows:
        embeddings = embed(np.asarray(rows))
        pairs = near_pairs(embeddings, lambda positions: cache.read(np.asarray(rows)[positions]))
        near = [
            (rows[p.first], rows[p.second], p)
            for p in pairs
            if hashes[rows[p.first]] != hashes[rows[p.second]]  # identical: exact, not near
        ]
    else:
        skipped[NEAR_DUPLICATE] = NO_EMBEDDINGS
        skipped[LABEL_ISSUE] = NO_EMBEDDINGS
    duplicates = group_duplicates(rows, hashes, near, targets, source.labels, paths)
    findings += duplicates.findings
    suspects: list[SuspectLabel] = []
    if embeddings is not None:
        collapsed = set(duplicates.collapsed)
        keep = np.array([row not in collapsed for row in rows])
        kept_rows = np.asarray(rows)[keep]
        groups = np.array([duplicates.groups[int(r)] for r in kept_rows])
        try:
            issues = label_issues(
                embeddings[keep], targets[kept_rows], groups, len(source.labels), seed
            )
        except ValueError as exc:  # too few photos or groups to cross-validate: not fatal
            skipped[LABEL_ISSUE] = f"cannot cross-validate: {exc}"
            issues = []
        for issue in issues:
            row = int(kept_rows[issue.position])
            if row in duplicates.conflicting:  # its conflicting_labels finding says it already
                continue
            suspect = SuspectLabel(
                row, source.labels[issue.given], source.labels[issue.suggested], issue.score
            )
            suspects.append(suspect)
            findings.append(
                Finding(
                    LABEL_ISSUE,
                    (paths[row],),
                    issue.score,
                    f"filed as {suspect.given}; the other photos say {suspect.suggested}",
                    suspect.suggested,
                )
            )
    files = {row: source.items[row] for row in rows}
    if all(isinstance(item, Path) for item in files.values()):
        side = min(cache.spec.height, cache.spec.width)
        findings += tiny_images(files, paths, side)  # type: ignore[arg-type]
    findings += imbalance(classes)
    document = AuditDocument(
        files=len(source) + source.skipped,
        images=len(rows),
        classes=classes,
        findings=tuple(findings),
        skipped_checks=skipped,
    )
    return Audit(
        document,
        duplicates.groups,
        duplicates.collapsed,
        suspects,
        time.perf_counter() - started,
    )

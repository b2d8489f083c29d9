"""How much of a corrupted set's injected damage an audit found: recall per kind against the
corruption manifest, the valid files it wrongly called unreadable, and the share of files
flagged. The targets are the issue's."""

from __future__ import annotations

from dataclasses import dataclass

from classifier_training.audit.corruption import Manifest
from classifier_training.audit.document import (
    CONFLICTING_LABELS,
    EXACT_DUPLICATE,
    LABEL_ISSUE,
    NEAR_DUPLICATE,
    UNREADABLE,
    AuditDocument,
)

TARGETS = {
    EXACT_DUPLICATE: 0.95,
    NEAR_DUPLICATE: 0.9,
    CONFLICTING_LABELS: 0.9,
    UNREADABLE: 1.0,
    "label_flip": 0.9,
}
MAX_FLAGGED_SHARE = 0.15


@dataclass(frozen=True)
class Recall:
    kind: str
    found: int
    injected: int
    target: float

    @property
    def recall(self) -> float:
        return self.found / self.injected if self.injected else 1.0

    @property
    def met(self) -> bool:
        return self.recall >= self.target


@dataclass(frozen=True)
class Score:
    recalls: list[Recall]
    valid_called_unreadable: list[str]
    flagged: int
    files: int

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.files if self.files else 0.0

    def lines(self) -> list[str]:
        rows = [
            f"{r.kind:<20} {r.found:>4}/{r.injected:<4} recall {r.recall:.3f}  "
            f"target >= {r.target:g}  {'ok' if r.met else 'MISSED'}"
            for r in self.recalls
        ]
        rows.append(
            f"{'valid as unreadable':<20} {len(self.valid_called_unreadable):>4}        "
            f"target 0  {'ok' if not self.valid_called_unreadable else 'MISSED'}"
        )
        rows.append(
            f"{'files flagged':<20} {self.flagged:>4}/{self.files:<4} share "
            f"{self.flagged_share:.3f}   target <= {MAX_FLAGGED_SHARE:g}  "
            f"{'ok' if self.flagged_share <= MAX_FLAGGED_SHARE else 'MISSED'}"
        )
        return rows


def score(document: AuditDocument, manifest: Manifest) -> Score:
    recalls = [
        _pairs(document, manifest, kind)
        for kind in (EXACT_DUPLICATE, NEAR_DUPLICATE, CONFLICTING_LABELS)
    ]
    unreadable = {p for f in document.of_kind(UNREADABLE) for p in f.paths}
    bad = [i.paths[0] for i in manifest.of_kind(UNREADABLE)]
    recalls.append(
        Recall(UNREADABLE, sum(p in unreadable for p in bad), len(bad), TARGETS[UNREADABLE])
    )
    flips = [i.paths[0] for i in manifest.of_kind("label_flip")]
    ranked = sorted(document.of_kind(LABEL_ISSUE), key=lambda f: -f.score)
    suspects = {f.paths[0] for f in ranked[: 2 * len(flips)]}
    recalls.append(
        Recall("label_flip", sum(p in suspects for p in flips), len(flips), TARGETS["label_flip"])
    )
    valid = [i.paths[0] for i in manifest.of_kind("valid") if i.paths[0] in unreadable]
    return Score(recalls, valid, len(document.flagged_files()), document.files)


def _pairs(document: AuditDocument, manifest: Manifest, kind: str) -> Recall:
    """An injected copy is found when one finding of its kind names it and its original."""
    groups = [set(f.paths) for f in document.of_kind(kind)]
    injected = manifest.of_kind(kind)
    found = sum(any(set(i.paths) <= group for group in groups) for i in injected)
    return Recall(kind, found, len(injected), TARGETS[kind])

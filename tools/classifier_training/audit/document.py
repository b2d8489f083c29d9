"""audit.json: the one definition of the audit report, written by the audit and read back by
the recall benchmark and the tests.

Reading is strict: a document of another shape is refused whole (`MalformedAudit`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNREADABLE = "unreadable"
EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"
CONFLICTING_LABELS = "conflicting_labels"
LABEL_ISSUE = "label_issue"
TINY_IMAGE = "tiny_image"
CLASS_IMBALANCE = "class_imbalance"
KINDS = (
    UNREADABLE,
    EXACT_DUPLICATE,
    NEAR_DUPLICATE,
    CONFLICTING_LABELS,
    LABEL_ISSUE,
    TINY_IMAGE,
    CLASS_IMBALANCE,
)
FILE_NAME = "audit.json"


class MalformedAudit(ValueError):
    """Not an audit document of this shape; the message names the first field that is wrong."""


@dataclass(frozen=True)
class Finding:
    """One thing to look at: `paths` are relative to the data folder, `/`-separated; a higher
    `score` is more suspect."""

    kind: str
    paths: tuple[str, ...]
    score: float
    detail: str
    suggested_label: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MalformedAudit(f"kind: not one of {', '.join(KINDS)}")
        if not self.paths:
            raise MalformedAudit("paths: empty")

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "kind": self.kind,
            "paths": list(self.paths),
            "score": round(self.score, 6),
            "detail": self.detail,
        }
        if self.suggested_label is not None:
            document["suggested_label"] = self.suggested_label
        return document


@dataclass(frozen=True)
class AuditDocument:
    files: int
    images: int
    classes: dict[str, int]
    findings: tuple[Finding, ...]
    skipped_checks: dict[str, str] = field(default_factory=dict)  # check -> why it did not run

    def counts(self) -> dict[str, int]:
        """Findings per kind, every kind listed."""
        return {kind: sum(f.kind == kind for f in self.findings) for kind in KINDS}

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def flagged_files(self) -> set[str]:
        """Every file some finding names (class imbalance names folders, not files)."""
        return {p for f in self.findings if f.kind != CLASS_IMBALANCE for p in f.paths}

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "images": self.images,
            "classes": dict(self.classes),
            "findings": [f.to_json() for f in self.findings],
            "skipped_checks": dict(self.skipped_checks),
        }

    def write(self, directory: Path) -> Path:
        path = directory / FILE_NAME
        path.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def read(cls, path: Path) -> AuditDocument:
        try:
            value = json.loads(path.read_bytes())
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise MalformedAudit("not JSON") from exc
        return cls.from_json(value)

    @classmethod
    def from_json(cls, value: Any) -> AuditDocument:
        if not isinstance(value, dict):
            raise MalformedAudit("the document: not an object")
        classes = value.get("classes")
        findings = value.get("findings")
        skipped = value.get("skipped_checks", {})
        if not isinstance(classes, dict) or not all(
            isinstance(k, str) and _is_count(v) for k, v in classes.items()
        ):
            raise MalformedAudit("classes: not a map of names to counts")
        if not isinstance(findings, list):
            raise MalformedAudit("findings: not a list")
        if not isinstance(skipped, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in skipped.items()
        ):
            raise MalformedAudit("skipped_checks: not a map of names to reasons")
        return cls(
            files=_count(value.get("files"), "files"),
            images=_count(value.get("images"), "images"),
            classes=dict(classes),
            findings=tuple(_finding(f) for f in findings),
            skipped_checks=dict(skipped),
        )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count(value: Any, name: str) -> int:
    if not _is_count(value):
        raise MalformedAudit(f"{name}: not a count")
    return int(value)


def _finding(value: Any) -> Finding:
    if not isinstance(value, dict):
        raise MalformedAudit("finding: not an object")
    paths, score = value.get("paths"), value.get("score")
    detail, suggested = value.get("detail"), value.get("suggested_label")
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise MalformedAudit("finding paths: not a list of strings")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise MalformedAudit("finding score: not a number")
    if not isinstance(detail, str):
        raise MalformedAudit("finding detail: not a string")
    if suggested is not None and not isinstance(suggested, str):
        raise MalformedAudit("finding suggested_label: not a string")
    kind = value.get("kind")
    if not isinstance(kind, str):
        raise MalformedAudit("finding kind: not a string")
    return Finding(kind, tuple(paths), float(score), detail, suggested)

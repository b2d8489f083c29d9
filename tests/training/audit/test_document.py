"""audit.json: written and read back as the same document; any other shape is refused whole."""

from __future__ import annotations

import json

import pytest

from classifier_training.audit.document import (
    KINDS,
    AuditDocument,
    Finding,
    MalformedAudit,
)


def document() -> AuditDocument:
    return AuditDocument(
        files=4,
        images=3,
        classes={"a": 2, "b": 1},
        findings=(
            Finding("unreadable", ("a/x.jpg",), 1.0, "The image is empty."),
            Finding("label_issue", ("b/y.jpg",), 0.93, "filed as b", "a"),
            Finding("class_imbalance", ("b",), 2.0, "1 image against 2 in a"),
        ),
        skipped_checks={"near_duplicate": "no embeddings"},
    )


def test_the_document_round_trips_through_audit_json(tmp_path):
    path = document().write(tmp_path)
    assert path.name == "audit.json"
    raw = json.loads(path.read_text())
    assert set(raw) >= {"files", "images", "classes", "findings"}
    assert raw["findings"][1] == {
        "kind": "label_issue",
        "paths": ["b/y.jpg"],
        "score": 0.93,
        "detail": "filed as b",
        "suggested_label": "a",
    }
    assert "suggested_label" not in raw["findings"][0]
    assert AuditDocument.read(path) == document()


def test_counts_list_every_kind_and_flagged_files_leave_out_class_folders():
    counts = document().counts()
    assert list(counts) == list(KINDS)
    assert counts["unreadable"] == 1 and counts["near_duplicate"] == 0
    assert document().flagged_files() == {"a/x.jpg", "b/y.jpg"}


BAD = {
    "not an object": [],
    "files negative": {"files": -1, "images": 0, "classes": {}, "findings": []},
    "images a bool": {"files": 1, "images": True, "classes": {}, "findings": []},
    "classes a list": {"files": 1, "images": 0, "classes": [], "findings": []},
    "findings missing": {"files": 1, "images": 0, "classes": {}},
    "unknown kind": {
        "files": 1,
        "images": 0,
        "classes": {},
        "findings": [{"kind": "ghost", "paths": ["a"], "score": 1, "detail": ""}],
    },
    "no paths": {
        "files": 1,
        "images": 0,
        "classes": {},
        "findings": [{"kind": "unreadable", "paths": [], "score": 1, "detail": ""}],
    },
    "score a string": {
        "files": 1,
        "images": 0,
        "classes": {},
        "findings": [{"kind": "unreadable", "paths": ["a"], "score": "1", "detail": ""}],
    },
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_document_of_another_shape_is_refused(case):
    with pytest.raises(MalformedAudit):
        AuditDocument.from_json(BAD[case])


def test_a_file_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "audit.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(MalformedAudit, match="not JSON"):
        AuditDocument.read(tmp_path / "audit.json")

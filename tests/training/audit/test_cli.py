"""scripts/audit.py end to end on a corrupted generated set, with the Lite0 embeddings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from classifier_training.audit.document import AuditDocument
from classifier_training.audit.recall import score
from tests.support.factories import ROOT


def run_audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def audited(corrupted_scenes, tmp_path_factory):
    root, manifest = corrupted_scenes
    output = tmp_path_factory.mktemp("audit")
    result = run_audit(
        str(root), "--output", str(output), "--manifest", str(root / "corruption.json")
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return output, manifest, result.stdout


@pytest.mark.slow
def test_every_injected_copy_and_bad_file_is_found(audited):
    output, manifest, stdout = audited
    document = AuditDocument.read(output / "audit.json")
    scored = score(document, manifest)
    assert {r.kind: r.recall for r in scored.recalls if r.kind != "label_flip"} == {
        "exact_duplicate": 1.0,
        "near_duplicate": 1.0,
        "conflicting_labels": 1.0,
        "unreadable": 1.0,
    }
    assert scored.valid_called_unreadable == [] and document.skipped_checks == {}
    assert "recall" in stdout and "files flagged" in stdout


@pytest.mark.slow
def test_the_report_has_a_thumbnail_strip_per_finding(audited):
    output, _, _ = audited
    raw = json.loads((output / "audit.json").read_text())
    assert set(raw) >= {"files", "images", "classes", "findings"}
    assert all(not p.startswith("/") and "\\" not in p for f in raw["findings"] for p in f["paths"])
    report = (output / "audit.md").read_text()
    pictured = [f for f in raw["findings"] if f["kind"] != "class_imbalance"]
    assert len(list((output / "thumbnails").glob("*.png"))) == len(pictured)
    assert report.count("](thumbnails/") == len(pictured)
    for finding in raw["findings"]:
        assert f"`{finding['paths'][0]}`" in report
    if any(f["kind"] == "label_issue" for f in raw["findings"]):
        assert (output / "label_issues.png").is_file()


@pytest.mark.slow
def test_strict_exits_1_on_findings_and_bad_usage_exits_2(corrupted_scenes, tmp_path):
    root, _ = corrupted_scenes
    strict = run_audit(str(root), "--output", str(tmp_path / "a"), "--strict", "--no-embeddings")
    assert strict.returncode == 1, strict.stderr[-2000:]
    missing = run_audit(str(tmp_path / "absent"), "--output", str(tmp_path / "b"))
    assert missing.returncode == 2 and "error: data dir" in missing.stderr
    assert run_audit(str(root)).returncode == 2  # --output is required
    assert not (tmp_path / "b").exists()

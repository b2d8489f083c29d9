"""Training on a corrupted set: the audit runs first, bad files are reported, exact copies are
collapsed, and no group of copies straddles train, validation and test."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from classifier_training import pipeline
from classifier_training.audit.run import display_paths
from classifier_training.cli import parse_args
from classifier_training.plan import make_plan
from tests.support.factories import ROOT


@pytest.mark.slow
def test_no_group_of_copies_straddles_the_splits(corrupted_scenes, tmp_path):
    root, manifest = corrupted_scenes
    plan = make_plan(parse_args(["--data-dir", str(root), "--output", str(tmp_path / "m")]))
    weights = pipeline.prepare(plan)
    source, cache = pipeline.load(plan)
    audited, _ = pipeline.audit(plan, weights, source, cache)
    splits = pipeline.split(plan, source, cache, audited)
    rows = {path: row for row, path in enumerate(display_paths(source, root))}
    split_of = {int(r): name for name, part in vars(splits).items() for r in part}
    copies = [
        i
        for kind in ("exact_duplicate", "near_duplicate", "conflicting_labels")
        for i in manifest.of_kind(kind)
    ]
    assert len(copies) == 6
    for injection in copies:
        placed = {split_of[rows[p]] for p in injection.paths if rows[p] in split_of}
        assert len(placed) == 1, injection
    exact = manifest.of_kind("exact_duplicate")[0]
    assert sum(rows[p] in split_of for p in exact.paths) == 1  # collapsed to one
    unreadable = {rows[i.paths[0]] for i in manifest.of_kind("unreadable")}
    assert unreadable.isdisjoint(split_of) and len(split_of) == sum(
        len(p) for p in vars(splits).values()
    )
    assert np.isin(np.array(sorted(unreadable)), cache.rows).sum() == 0


@pytest.mark.slow
def test_the_trainer_completes_on_the_corrupted_set_and_reports_the_bad_files(
    corrupted_scenes, tmp_path
):
    root, manifest = corrupted_scenes
    output = tmp_path / "model"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "train.py"),
            "--data-dir",
            str(root),
            "--epochs",
            "2",
            "--fine-tune-epochs",
            "0",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for injection in manifest.of_kind("unreadable"):
        assert injection.paths[0].split("/")[-1] in result.stderr
    assert "[3/10] audit:" in result.stdout
    card = json.loads((output / "metadata.json").read_text())
    audit = card["audit"]
    assert audit["findings"]["unreadable"] == len(manifest.of_kind("unreadable"))
    assert audit["exact_copies_collapsed"] == 1 and audit["not_checked"] == []
    assert card["dataset"]["images"] == audit["images"]
    saved = json.loads((output / "report" / "audit.json").read_text())
    assert len(saved["findings"]) == sum(audit["findings"].values())
    report = (output / "report" / "report.md").read_text()
    if audit["findings"]["label_issue"]:
        assert "![suspect labels" in report and (output / "report" / "label_issues.png").is_file()

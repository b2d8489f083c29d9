"""The corrupted set: every injection the issue lists, a manifest that reads back, and the
decode verdicts the audit builds on (bad files unreadable, unusual valid files not)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from classifier_training.audit.corruption import MANIFEST_FILE, UNREADABLE, VALID, Manifest, corrupt
from classifier_training.audit.recall import score
from classifier_training.audit.run import audit, display_paths
from classifier_training.cache import open_or_build
from classifier_training.data import folder_source
from image_classifier.preprocessing import InputSpec


@pytest.fixture
def corrupted(scenes, tmp_path):
    return tmp_path / "corrupted", corrupt(scenes, tmp_path / "corrupted", seed=3)


def test_every_injection_is_made_and_listed(corrupted):
    root, manifest = corrupted
    kinds = Counter(i.kind for i in manifest.injections)
    assert kinds["label_flip"] == 2 and kinds["exact_duplicate"] == 1
    assert kinds["conflicting_labels"] == 1 and kinds["near_duplicate"] == 4
    assert kinds["unreadable"] == sum(UNREADABLE.values()) and kinds["valid"] == sum(VALID.values())
    assert {i.variant for i in manifest.of_kind("unreadable")} == set(UNREADABLE)
    assert Manifest.read(root / MANIFEST_FILE) == manifest
    for injection in manifest.injections:
        assert all((root / p).is_file() for p in injection.paths)
    flipped = manifest.of_kind("label_flip")[0]
    assert flipped.paths[0].split("/")[0] == flipped.variant.split("->")[1]
    assert manifest.files == sum(1 for p in root.rglob("*.*") if p.name != MANIFEST_FILE)


def test_bad_files_are_unreadable_and_unusual_valid_ones_decode(corrupted):
    root, manifest = corrupted
    source = folder_source(root)
    cache = open_or_build(source, InputSpec(32, 32, "RGB"))
    paths = display_paths(source, root)
    unreadable = {paths[row] for row in cache.errors}
    assert unreadable == {i.paths[0] for i in manifest.of_kind("unreadable")}
    bomb = next(i.paths[0] for i in manifest.of_kind("unreadable") if i.variant == "bomb")
    assert "pixels" in cache.errors[paths.index(bomb)]
    assert all(cache.ok[paths.index(i.paths[0])] for i in manifest.of_kind("valid"))


def test_the_audit_without_embeddings_finds_files_and_exact_copies(corrupted):
    root, manifest = corrupted
    source = folder_source(root)
    result = audit(source, open_or_build(source, InputSpec(32, 32, "RGB")), root)
    assert set(result.document.skipped_checks) == {"near_duplicate", "label_issue"}
    recalls = {r.kind: r for r in score(result.document, manifest).recalls}
    assert recalls["unreadable"].recall == 1.0 and recalls["exact_duplicate"].recall == 1.0
    exact_conflict = [i for i in manifest.of_kind("conflicting_labels") if i.variant == "exact"]
    found = [set(f.paths) for f in result.document.of_kind("conflicting_labels")]
    assert all(any(set(i.paths) <= group for group in found) for i in exact_conflict)
    assert score(result.document, manifest).valid_called_unreadable == []
    assert len(result.collapsed) == 1


def test_too_few_photos_to_cross_validate_skip_the_label_check_without_failing(tmp_path):
    from classifier_training.audit.run import audit as run_audit

    for label, count in (("a", 4), ("b", 2)):
        (tmp_path / label).mkdir()
        for i in range(count):
            (tmp_path / label / f"{i}.png").write_bytes(_png(i))
    source = folder_source(tmp_path)
    cache = open_or_build(source, InputSpec(16, 16, "RGB"))
    embeddings = np.eye(len(source))[:, :4] + 0.01
    result = run_audit(source, cache, tmp_path, lambda rows: embeddings[rows])
    assert "label_issue" in result.document.skipped_checks
    assert result.document.of_kind("conflicting_labels")  # a/0.png and b/0.png are one image


def _png(level: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16), level * 40).save(buffer, "PNG")
    return buffer.getvalue()

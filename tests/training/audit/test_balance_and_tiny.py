"""Class imbalance names the small classes' folders; tiny images are judged by their header."""

from __future__ import annotations

from PIL import Image

from classifier_training.audit.balance import imbalance
from classifier_training.audit.tiny import tiny_images


def test_classes_far_below_the_largest_are_findings_with_their_ratio():
    found = imbalance({"a": 100, "b": 70, "c": 20})
    assert [(f.paths, f.score) for f in found] == [(("c",), 5.0)]
    assert imbalance({"a": 100, "b": 70}) == []


def test_tiny_images_are_found_from_the_header(tmp_path):
    Image.new("RGB", (40, 300)).save(tmp_path / "thin.png")
    Image.new("RGB", (200, 200)).save(tmp_path / "fine.png")
    items = {0: tmp_path / "thin.png", 1: tmp_path / "fine.png"}
    found = tiny_images(items, ["a/thin.png", "a/fine.png"], input_side=224)
    assert [(f.kind, f.paths) for f in found] == [("tiny_image", ("a/thin.png",))]
    assert "40x300" in found[0].detail
    # For a small model input the limit is half its side.
    assert tiny_images(items, ["a/thin.png", "a/fine.png"], input_side=32) == []

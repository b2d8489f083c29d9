"""The photo-set generator behind the memory measurement."""

from __future__ import annotations

from PIL import Image

from classifier_training.photoset import make_photo_set
from tests.training.conftest import photo_folder


def test_makes_jittered_copies_in_the_source_class_folders(tmp_path):
    source = photo_folder(tmp_path / "src", classes=2, per_class=3, side=64)
    written = make_photo_set(source, tmp_path / "out", count=12, side=40, seed=1)
    assert len(written) == 12
    assert {p.parent.name for p in written} == {"class_0", "class_1"}
    sizes = {Image.open(p).size for p in written}
    assert sizes == {(40, 40)}
    contents = {p.read_bytes() for p in written}
    assert len(contents) == 12  # every copy differs: crop, flip and colour are random

from __future__ import annotations

from PIL import Image

from classifier_devtools.digits import export_digits


def test_exports_one_folder_per_class_at_the_chosen_scale(tmp_path):
    written = export_digits(tmp_path, per_class=2, scale=3)
    assert len(written) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == [str(i) for i in range(10)]
    with Image.open(written[0]) as image:
        assert image.size == (24, 24) and image.mode == "L"

"""scripts/check_weights.py: ImageNet top-5 per image, from the installed official weights."""

from __future__ import annotations

import json

import pytest

from classifier_training.check_weights import main
from tests.support.factories import ROOT

DAISY = ROOT / "tests" / "data" / "daisy.jpg"  # CC BY 2.0, tests/data/ATTRIBUTION.md


@pytest.mark.slow
def test_a_daisy_is_imagenet_class_985_and_a_bad_file_gets_its_own_line(tmp_path, capsys):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    assert main(["--backbone", "efficientnet_lite0", str(DAISY), str(broken)]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["image"] for line in lines] == [str(DAISY), str(broken)]
    top5 = lines[0]["top5"]
    assert len(top5) == 5 and (top5[0]["index"], top5[0]["label"]) == (985, "daisy")
    assert top5[0]["probability"] > 0.5
    probabilities = [entry["probability"] for entry in top5]
    assert probabilities == sorted(probabilities, reverse=True)
    assert lines[1] == {"image": str(broken), "error": "The data is not a decodable image."}


def test_an_unknown_backbone_is_bad_usage():
    with pytest.raises(SystemExit) as exit_info:
        main(["--backbone", "resnet50", str(DAISY)])
    assert exit_info.value.code == 2

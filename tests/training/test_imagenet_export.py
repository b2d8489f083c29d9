"""EfficientNet-Lite0's own ImageNet classifier written as a model folder and served."""

from __future__ import annotations

import pytest

from classifier_training.imagenet_export import main
from image_classifier.model_card import ModelCard
from tests.support.factories import ROOT
from tests.support.served import classify_with_handler

pytestmark = pytest.mark.slow

DAISY = ROOT / "tests" / "data" / "daisy.jpg"  # CC BY 2.0, tests/data/ATTRIBUTION.md


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    output = tmp_path_factory.mktemp("imagenet") / "model"
    assert main(["--output", str(output), "--images", str(DAISY)]) == 0
    return output


def test_the_card_is_honest_about_what_was_measured(exported):
    card = ModelCard.load(exported)
    assert len(card.labels) == 1000 and card.labels[985] == "daisy"
    assert (card.spec.height, card.spec.color_mode) == (224, "RGB")
    metadata = card.metadata
    assert metadata["metrics"] == {}
    assert "not measured here" in metadata["published"]["source"]
    assert metadata["parity"]["max_abs_diff"] <= 1e-5
    assert metadata["backbone"]["weights"]["verified"] is True


def test_the_handler_names_the_daisy(exported):
    response = classify_with_handler(exported, DAISY.read_bytes())
    top = response["predictions"][0]
    assert top["label"] == "daisy" and top["score"] > 0.5


def test_bad_weights_exit_2_and_write_nothing(tmp_path, capsys):
    bad = tmp_path / "efficientnet-lite0-57934424.pth"
    bad.write_bytes(b"not a torch file")
    assert main(["--weights", str(bad), "--output", str(tmp_path / "out")]) == 2
    assert "its name says sha256 57934424" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

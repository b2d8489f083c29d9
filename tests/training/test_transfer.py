"""The default photo recipe end to end: EfficientNet-Lite0 from Google's weights package,
trained by scripts/train.py's pipeline, exported with parity and served by the handler."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from classifier_training import cli
from classifier_training.backbones import get_backbone
from tests.support.factories import ROOT
from tests.support.served import classify_with_handler
from tests.training.conftest import photo, photo_folder

pytestmark = pytest.mark.slow

# Small and quick: 96 px (a note says 224 is best), a few head epochs, one fine-tune epoch.
RECIPE = ["--image-size", "96", "--epochs", "6", "--fine-tune-epochs", "1", "--batch-size", "16"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return photo_folder(tmp_path_factory.mktemp("photos"), classes=3, per_class=16, side=64)


@pytest.fixture(scope="module")
def trained(photos, tmp_path_factory):
    output = tmp_path_factory.mktemp("lite") / "model"
    capture = tmp_path_factory.mktemp("logs") / "first.log"
    code, log = _run(photos, output, capture)
    assert code == 0, log[-3000:]
    return output, log


def _run(photos, output, log_path):
    command = [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(photos),
               *RECIPE, "--output", str(output)]  # fmt: skip
    with log_path.open("w") as log:
        code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=900).returncode
    return code, log_path.read_text()


def card(output):
    return json.loads((output / "metadata.json").read_text())


def test_the_card_names_the_weights_package_and_its_verified_hash(trained):
    output, log = trained
    backbone = card(output)["backbone"]
    official = get_backbone("efficientnet_lite0").torch_weights
    assert backbone["name"] == "efficientnet_lite0"
    weights = backbone["weights"]
    assert weights["source"] == "imagenet" and weights["verified"] is True
    assert weights["package"] == official.package and weights["package_version"] == "0.1.0"
    assert weights["sha256"] == official.sha256
    assert "note: backbone efficientnet_lite0 was pretrained at 224 px" in log


def test_the_card_records_both_phases_as_they_ran(trained):
    output, _ = trained
    training = card(output)["training"]
    head, tune = training["phases"]
    assert (head["phase"], tune["phase"]) == ("head", "fine-tune")
    assert head["optimizer"] == tune["optimizer"] == "AdamW"
    assert head["label_smoothing"] == 0.1 and head["weight_decay"] == 1e-4
    assert head["max_epochs"] == 6 and 1 <= head["epochs_run"] <= 6
    assert tune["epochs_run"] == 1 and tune["learning_rate"] == 3e-4
    assert tune["schedule"].startswith("cosine decay") and "BatchNorm frozen" in tune["trains"]
    assert training["augmentation"]["views"] == ["original", "mirror", "crop", "second crop"]


def test_parity_holds_on_a_model_whose_outputs_vary(trained):
    output, _ = trained
    parity = card(output)["parity"]
    assert parity["max_abs_diff"] <= 1e-5 and parity["top1_agreement"] == 1.0
    assert parity["output_spread"] > 1e-2


def test_it_learns_the_classes(trained):
    output, _ = trained
    metrics = card(output)["metrics"]
    # The classes differ in hue and stripe direction: a logistic regression on raw pixels
    # separates them too, so the bar is near-perfect, far above the majority class.
    assert metrics["test_accuracy"] >= 0.9 > metrics["baselines"]["majority_class"]


def test_the_handler_serves_it_with_keras_scores(trained):
    import keras

    from image_classifier.preprocessing import InputSpec, preprocess

    output, _ = trained
    written = card(output)
    image = photo(2, 77, side=64)
    predictions = classify_with_handler(output, image, top_k=3)["predictions"]
    model = keras.models.load_model(output / "model.keras")
    pixels = preprocess(image, InputSpec.from_dict(written["input"]))[None]
    expected = np.asarray(model(pixels, training=False))[0]
    assert predictions[0]["label"] == written["labels"][int(expected.argmax())]
    for prediction in predictions:
        index = written["labels"].index(prediction["label"])
        assert abs(prediction["score"] - float(expected[index])) <= 1e-5


def _activations(log):
    """(computed, reused) image-views from the train step's summary line."""
    found = re.search(r"activations: (\d+) images computed, (\d+) reused", log)
    assert found, log[-2000:]
    return int(found[1]), int(found[2])


def test_a_second_run_reuses_every_activation(trained, photos, tmp_path):
    output, first = trained
    splits = card(output)["dataset"]["splits"]
    needed = 4 * splits["train"] + splits["validation"]  # four views to train on, one to judge
    computed, reused = _activations(first)
    assert computed + reused == needed and computed >= 3 * splits["train"]
    code, log = _run(photos, tmp_path / "again", tmp_path / "again.log")
    assert code == 0, log[-3000:]
    assert _activations(log) == (0, needed)


def test_a_fine_tune_that_does_not_beat_the_head_is_put_back(photos, tmp_path):
    output = tmp_path / "model"
    wild = ["--fine-tune-learning-rate", "0.5"]  # destroys the pretrained top in one epoch
    assert cli.main(["--data-dir", str(photos), *RECIPE, *wild, "--output", str(output)]) == 0
    written = card(output)
    head, tune = written["training"]["phases"]
    assert tune["kept"] is False and head["kept"] is True
    assert written["metrics"]["test_accuracy"] >= 0.9


def test_skipping_the_fine_tune_leaves_one_phase(photos, tmp_path):
    output = tmp_path / "model"
    args = ["--data-dir", str(photos), *RECIPE, "--fine-tune-epochs", "0", "--output", str(output)]
    assert cli.main(args) == 0
    assert [p["phase"] for p in card(output)["training"]["phases"]] == ["head"]


def test_int8_is_judged_and_the_card_names_the_graph_serving_loads(trained):
    output, log = trained
    written = card(output)
    kept = written["int8"]["kept"]
    assert written["int8"]["test_images"] == written["dataset"]["splits"]["test"]
    assert written["serving"]["graph"] == ("model.int8.onnx" if kept else "model.onnx")
    assert (output / "model.int8.onnx").exists() == kept
    assert f"int8 {'kept' if kept else 'refused'}: top-1 agreement" in log

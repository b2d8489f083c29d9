"""The checked plan the CLI makes before TensorFlow loads: defaults per dataset and backbone."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training.cli import parse_args
from classifier_training.errors import TrainingInputError
from classifier_training.pipeline import class_weights
from classifier_training.plan import make_plan


def test_photos_default_to_pretrained_efficientnet_lite0_at_its_native_size(tmp_path):
    plan = make_plan(parse_args(["--data-dir", str(tmp_path)]))
    assert plan.backbone.name == "efficientnet_lite0"
    assert (plan.spec.height, plan.spec.width, plan.spec.color_mode) == (224, 224, "RGB")
    assert plan.weights is not None and plan.weights.kind == "imagenet" and plan.weights.verified
    assert plan.converted is not None and plan.schedule.fine_tune_epochs > 0
    assert plan.notes == []


def test_another_size_is_accepted_with_a_note(tmp_path):
    plan = make_plan(parse_args(["--data-dir", str(tmp_path), "--image-size", "160"]))
    assert plan.spec.height == 160
    assert plan.notes == [
        "backbone efficientnet_lite0 was pretrained at 224 px: accuracy is best at that size "
        "(--image-size 224)"
    ]


def test_from_scratch_is_one_flag_away_at_160_rgb_with_augmentation(tmp_path):
    plan = make_plan(
        parse_args(["--data-dir", str(tmp_path), "--backbone", "cnn", "--weights", "none"])
    )
    assert plan.converted is None and plan.weights is not None and not plan.weights.pretrained
    assert (plan.spec.height, plan.spec.width, plan.spec.color_mode) == (160, 160, "RGB")
    assert plan.spec.resize == "bilinear"
    assert plan.augmentation.enabled and plan.schedule.cosine
    assert plan.schedule.label_smoothing == 0.1 and plan.schedule.weight_decay == 1e-4


def test_digits_default_to_8_grey_without_augmentation():
    plan = make_plan(parse_args([]))
    assert (plan.spec.height, plan.spec.color_mode) == (8, "L")
    assert not plan.augmentation.enabled and not plan.schedule.cosine
    assert plan.augmentation.to_dict() == {"enabled": False}


def test_a_pretrained_backbone_takes_rgb_and_says_so():
    plan = make_plan(parse_args(["--backbone", "mobilenet_v2", "--color-mode", "L"]))
    assert (plan.spec.height, plan.spec.color_mode) == (32, "RGB")
    assert plan.notes == ["backbone mobilenet_v2 takes RGB: greyscale input is converted to RGB"]


def test_augmentation_strengths_can_be_tuned_or_turned_off(tmp_path):
    scratch = ["--data-dir", str(tmp_path), "--backbone", "cnn"]
    plan = make_plan(parse_args([*scratch, "--flip", "none", "--rotation", "0", "--zoom", "0.3"]))
    assert plan.augmentation.to_dict() == {
        "enabled": True,
        "flip": "none",
        "rotation": 0.0,
        "zoom": 0.3,
        "translation": 0.1,
        "contrast": 0.2,
    }
    assert not make_plan(parse_args([*scratch, "--no-augment"])).augmentation.enabled


def test_balanced_class_weights_only_when_classes_are_imbalanced():
    assert class_weights(np.repeat([0, 1, 2], [30, 28, 32]), 3) is None
    weights = class_weights(np.repeat([0, 1], [90, 10]), 2)
    assert weights is not None
    np.testing.assert_allclose([weights[0], weights[1]], [100 / (2 * 90), 100 / (2 * 10)])


def test_an_extra_data_folder_and_dropping_label_issues_are_carried_by_the_plan(tmp_path):
    args = ["--data-dir", str(tmp_path), "--extra-data-dir", str(tmp_path / "review")]
    plan = make_plan(parse_args([*args, "--drop-label-issues"]))
    assert plan.extra_data_dirs == [tmp_path / "review"] and plan.drop_label_issues
    assert not make_plan(parse_args(args)).drop_label_issues


def test_an_extra_data_folder_needs_a_data_folder(tmp_path):
    with pytest.raises(TrainingInputError, match="--extra-data-dir adds to --data-dir"):
        make_plan(parse_args(["--extra-data-dir", str(tmp_path)]))

"""The backbone table: names, sizes each accepts, and the ImageNet files Keras would fetch."""

from __future__ import annotations

import pytest

from classifier_training.backbones import BACKBONES, get_backbone
from classifier_training.errors import TrainingInputError


def test_every_backbone_the_issue_names_is_selectable():
    assert list(BACKBONES) == [
        "efficientnet_lite0",
        "efficientnet_lite1",
        "efficientnet_lite2",
        "cnn",
        "mobilenet_v3_small",
        "mobilenet_v3_large",
        "efficientnet_b0",
        "mobilenet_v2",
    ]


def test_unknown_backbone_names_the_choices():
    with pytest.raises(TrainingInputError, match=r"unknown backbone 'resnet'.*mobilenet_v2"):
        get_backbone("resnet")


@pytest.mark.parametrize("name", [n for n in BACKBONES if n != "cnn"])
def test_keras_backbones_refuse_inputs_under_32(name):
    backbone = get_backbone(name)
    backbone.check_size(32, "none")
    with pytest.raises(TrainingInputError, match="too small"):
        backbone.check_size(31, "none")


@pytest.mark.parametrize(
    ("name", "native"), [("efficientnet_lite0", 224), ("efficientnet_lite2", 260)]
)
def test_lite_backbones_take_32_to_512_and_note_a_size_other_than_their_own(name, native):
    backbone = get_backbone(name)
    assert backbone.check_size(native, "imagenet") == []
    assert "accuracy is best at that size" in backbone.check_size(320, "imagenet")[0]
    assert backbone.check_size(320, "none") == []
    with pytest.raises(TrainingInputError, match="too large"):
        backbone.check_size(513, "imagenet")


def test_mobilenet_v2_imagenet_weights_exist_for_five_sizes_only():
    backbone = get_backbone("mobilenet_v2")
    backbone.check_size(100, "none")
    backbone.check_size(160, "imagenet")
    with pytest.raises(TrainingInputError, match=r"96, 128, 160, 192, 224.*--weights none"):
        backbone.check_size(100, "imagenet")


def test_imagenet_file_names_are_the_ones_keras_fetches():
    assert get_backbone("mobilenet_v2").imagenet_file_for(160) == (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"
    )
    assert get_backbone("mobilenet_v3_small").imagenet_file_for(224) == (
        "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    )
    assert get_backbone("efficientnet_b0").imagenet_file_for(224) == "efficientnetb0_notop.h5"


def test_recorded_hashes_match_keras_own_tables():
    from keras.src.applications import efficientnet, mobilenet_v3

    assert (
        get_backbone("mobilenet_v3_small").imagenet_md5
        == (mobilenet_v3.WEIGHTS_HASHES["small_224_1.0_float"][1])
    )
    assert (
        get_backbone("mobilenet_v3_large").imagenet_md5
        == (mobilenet_v3.WEIGHTS_HASHES["large_224_1.0_float"][1])
    )
    assert get_backbone("efficientnet_b0").imagenet_md5 == efficientnet.WEIGHTS_HASHES["b0"][1]
    assert get_backbone("mobilenet_v2").imagenet_md5 is None

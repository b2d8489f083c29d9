"""The importer's preprocessing recipe, presets, layout detection and parity bounds."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training.importing.errors import ImportParityError
from classifier_training.importing.parity import FLOAT_BOUND, compare
from classifier_training.importing.preprocessing import (
    PRESETS,
    Preprocessing,
    Quantization,
    per_channel,
)
from classifier_training.importing.resolve import detect_layout


def prep(**overrides) -> Preprocessing:
    values = dict(
        color_mode="RGB",
        layout="NHWC",
        height=2,
        width=2,
        resize="bilinear",
        scale=1.0,
        mean=(0.0, 0.0, 0.0),
        std=(1.0, 1.0, 1.0),
        output_kind="probabilities",
    )
    return Preprocessing(**{**values, **overrides})


@pytest.mark.parametrize(
    ("shape", "layout"),
    [
        ((None, 224, 224, 3), "NHWC"),
        ((1, 3, 224, 224), "NCHW"),
        ((None, 8, 8, 1), "NHWC"),
        ((None, 3, None, None), "NCHW"),
        ((None, 3, 3, 3), None),
        ((None, None, None, None), None),
        ((None, 8, 8, 4), None),
    ],
)
def test_layout_is_detected_only_when_the_shape_allows_one_reading(shape, layout):
    assert detect_layout(shape) == layout


def test_the_keras_mobilenet_v2_preset_maps_0_255_to_minus_1_1():
    p = prep(**{k: v for k, v in PRESETS["keras-mobilenet-v2"].items() if k != "output_kind"})
    p = prep(
        scale=p.scale, mean=per_channel(p.mean, 3, "--mean"), std=per_channel(p.std, 3, "--std")
    )
    out = p.normalized(np.array([[[[0, 127.5, 255]]]], np.float32))
    assert np.allclose(out, [-1, 0, 1])


def test_the_torchvision_preset_is_imagenet_mean_std_on_0_1_rgb_nchw_logits():
    preset = PRESETS["torchvision"]
    assert preset["scale"] == 1 / 255 and preset["layout"] == "NCHW"
    assert preset["mean"] == (0.485, 0.456, 0.406) and preset["std"] == (0.229, 0.224, 0.225)
    assert preset["output_kind"] == "logits"


def test_bgr_reverses_channels_and_nchw_transposes():
    p = prep(color_mode="BGR", layout="NCHW")
    raw = np.array([[[[10, 20, 30]]]], np.float32)
    assert p.reference_input(raw).tolist() == [[[[30.0]], [[20.0]], [[10.0]]]]


def test_quantisation_rounds_half_to_even_and_saturates():
    q = Quantization(scale=0.5, zero_point=10, dtype="uint8")
    assert q.quantize(np.array([0.25, 0.75, -100, 1000], np.float32)).tolist() == [10, 12, 0, 255]
    assert q.dequantize(np.array([10, 12], np.uint8)).tolist() == [0.0, 1.0]


@pytest.mark.parametrize(("values", "fits"), [((0.5,), True), ((1, 2, 3), True), ((1, 2), False)])
def test_mean_or_std_is_one_value_or_one_per_channel(values, fits):
    if fits:
        assert len(per_channel(values, 3, "--mean")) == 3
    else:
        with pytest.raises(Exception, match="--mean has 2 values"):
            per_channel(values, 3, "--mean")


def test_parity_fails_beyond_the_bound_or_on_a_top1_flip():
    expected = np.array([[0.7, 0.3], [0.2, 0.8]], np.float32)
    assert compare(expected, expected + FLOAT_BOUND / 2, prep(), "x").top1_agreement == 1
    with pytest.raises(ImportParityError, match="max"):
        compare(expected, expected + 10 * FLOAT_BOUND, prep(), "x")
    flipped = expected.copy()
    flipped[0] = [0.3, 0.7]
    with pytest.raises(ImportParityError, match=r"top-1 agreement 50\.00%"):
        compare(expected, flipped, prep(), "x")

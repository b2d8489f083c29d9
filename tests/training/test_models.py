"""Each backbone's own input scaling sits inside the graph: raw 0-255 pixels in, the range its
first convolution was designed for out; and the CNN's stages fit its input size."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from classifier_training.backbones import BACKBONES
from classifier_training.models import build_model, cnn_stages
from classifier_training.weights import WeightsSource
from image_classifier.preprocessing import InputSpec

SPEC = InputSpec(32, 32, "RGB")
# What black (0) and white (255) pixels become at the first convolution.
EXPECTED = {
    "cnn": (0.0, 1.0),
    "mobilenet_v3_small": (-1.0, 1.0),
    "mobilenet_v3_large": (-1.0, 1.0),
    "efficientnet_b0": (0.0, 1.0),  # then ImageNet statistics when the weights carry them
    "mobilenet_v2": (-1.0, 1.0),
}


def first_conv_input(model: keras.Model, base: keras.Model | None, pixels: np.ndarray):
    """The tensor the first Conv2D sees, for raw pixels fed to the whole model."""
    graph = base or model
    conv = next(layer for layer in graph.layers if isinstance(layer, keras.layers.Conv2D))
    probe = keras.Model(graph.inputs[0], conv.input)
    if base is not None and "scale" in [layer.name for layer in model.layers]:
        pixels = model.get_layer("scale")(pixels)
    return np.asarray(probe(pixels))


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [n for n, b in BACKBONES.items() if b.torch_weights is None]
)  # EfficientNet-Lite: test_efficientnet_lite.py
def test_raw_pixels_reach_the_first_convolution_at_the_backbone_scale(name):
    built = build_model(BACKBONES[name], SPEC, 3, WeightsSource("none"), filters=8)
    black, white = np.zeros((1, 32, 32, 3), "float32"), np.full((1, 32, 32, 3), 255.0, "float32")
    low, high = EXPECTED[name]
    np.testing.assert_allclose(
        first_conv_input(built.model, built.base, black).min(), low, atol=1e-5
    )
    np.testing.assert_allclose(
        first_conv_input(built.model, built.base, white).max(), high, atol=1e-5
    )


def test_photos_get_a_stride_two_stem_and_small_inputs_keep_their_resolution():
    assert cnn_stages(112, 32) == (2, [32, 64, 128, 256])  # 56, 28, 14, 7 pixels
    assert cnn_stages(160, 16) == (2, [16, 32, 64, 128])
    assert cnn_stages(32, 32) == (1, [32, 64, 128, 256])  # 32, 16, 8, 4: none below 4
    assert cnn_stages(8, 32) == (1, [32, 64])  # the digits
    assert cnn_stages(4, 8) == (1, [8])


def test_the_cnn_has_residual_stages_down_to_its_last_feature_map():
    built = build_model(BACKBONES["cnn"], InputSpec(112, 112, "RGB"), 5, WeightsSource("none"), 8)
    adds = [layer for layer in built.model.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == 4
    assert tuple(built.model.get_layer("pool").input.shape[1:]) == (7, 7, 64)
    assert built.model.output_shape == (None, 5)

"""Each backbone's own input scaling sits inside the graph: raw 0-255 pixels in, the range its
first convolution was designed for out."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from classifier_training.backbones import BACKBONES
from classifier_training.models import build_model
from classifier_training.weights import WeightsSource
from image_classifier.preprocessing import InputSpec

pytestmark = pytest.mark.slow

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


@pytest.mark.parametrize("name", list(BACKBONES))
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

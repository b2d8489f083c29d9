"""The Keras EfficientNet-Lite: its input scaling, and its layers applied a range at a time."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from classifier_training.efficientnet_lite import LiteLayers
from classifier_training.lite_architecture import CONFIGS, LiteConfig

pytestmark = pytest.mark.slow


def test_raw_pixels_reach_the_stem_as_google_scales_them():
    layers = LiteLayers(LiteConfig(1.0, 1.0, 32))
    pixels = np.array([[[[0.0, 127.0, 255.0]]]], dtype="float32")
    scaled = np.asarray(layers.layers["scale"](pixels))[0, 0, 0]
    np.testing.assert_allclose(scaled, [-127 / 128, 0.0, 1.0], atol=1e-7)


def test_bottom_then_top_computes_what_the_whole_network_does():
    config = CONFIGS["efficientnet_lite0"]
    layers = LiteLayers(LiteConfig(config.width, config.depth, 64))
    inputs = keras.Input((64, 64, 3))
    whole = keras.Model(inputs, layers.apply(inputs))
    split = layers.cached_block + 1
    bottom = keras.Model(inputs, layers.apply(inputs, 0, split, head=False))
    top_in = keras.Input(bottom.output_shape[1:])
    top = keras.Model(top_in, layers.apply(top_in, split))
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(top(bottom(x))), np.asarray(whole(x)), rtol=1e-5, atol=1e-6
    )
    assert bottom.output_shape[1:] == (4, 4, 112)

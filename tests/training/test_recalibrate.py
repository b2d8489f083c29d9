"""BatchNorm recalibration gives each layer the statistics of the input it sees in inference:
no dropout noise in them, and no short last batch."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from classifier_training.models import calibration_batch_size, recalibrate_batchnorm
from image_classifier.preprocessing import InputSpec

pytestmark = pytest.mark.slow


def _model() -> keras.Model:
    """Dense -> Dropout -> BatchNorm -> Dense -> BatchNorm, like a residual branch's
    drop-connect feeding the next block's BatchNorm."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,))
    x = keras.layers.Dense(16, name="dense0")(inputs)
    x = keras.layers.Dropout(0.5, name="drop")(x)
    x = keras.layers.BatchNormalization(momentum=0.9, name="bn0")(x)
    x = keras.layers.Dense(16, name="dense1")(keras.layers.ReLU()(x))
    outputs = keras.layers.BatchNormalization(momentum=0.9, name="bn1")(x)
    return keras.Model(inputs, outputs)


def _inference_inputs(model: keras.Model, x: np.ndarray) -> list[np.ndarray]:
    probe = keras.Model(model.input, [model.get_layer(n).input for n in ("bn0", "bn1")])
    return [np.asarray(t) for t in probe(x, training=False)]


def test_one_batch_gives_each_batchnorm_the_statistics_of_its_inference_input():
    model = _model()
    x = np.random.default_rng(1).normal(2.0, 3.0, (256, 6)).astype(np.float32)
    used = recalibrate_batchnorm(model, tf.data.Dataset.from_tensors(x))
    assert used == 1
    for name, seen in zip(("bn0", "bn1"), _inference_inputs(model, x), strict=True):
        layer = model.get_layer(name)
        np.testing.assert_allclose(layer.moving_mean, seen.mean(0), rtol=1e-4, atol=1e-4)
        # With dropout active the variance of bn0's input would be about twice this.
        np.testing.assert_allclose(layer.moving_variance, seen.var(0), rtol=1e-3, atol=1e-5)


def test_a_short_last_batch_is_skipped_and_settings_are_restored():
    model = _model()
    x = np.random.default_rng(2).normal(0.0, 1.0, (68, 6)).astype(np.float32)
    used = recalibrate_batchnorm(model, tf.data.Dataset.from_tensor_slices(x).batch(32))
    assert used == 2
    first = _inference_inputs(model, x[:64])[0]
    np.testing.assert_allclose(model.get_layer("bn0").moving_mean, first.mean(0), atol=1e-4)
    assert model.get_layer("drop").rate == 0.5
    assert model.get_layer("bn0").momentum == 0.9


def test_calibration_batches_hold_as_many_pixels_whatever_the_image_size():
    assert calibration_batch_size(InputSpec(32, 32, "RGB"), 8) == 512
    assert calibration_batch_size(InputSpec(160, 160, "RGB"), 8) == 20
    assert calibration_batch_size(InputSpec(160, 160, "RGB"), 32) == 32

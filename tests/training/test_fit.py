"""Early stopping judges a from-scratch backbone with the BatchNorm statistics it will ship with."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from classifier_training.fit import (
    VALIDATION_CALIBRATION_BATCHES,
    RecalibrateBeforeValidation,
    compile_model,
    run_phase,
)
from classifier_training.models import recalibrate_batchnorm

pytestmark = pytest.mark.slow


def _data() -> tuple[np.ndarray, np.ndarray]:
    """Two classes far from BatchNorm's initial statistics (mean 0, variance 1)."""
    rng = np.random.default_rng(3)
    x = rng.normal(6.0, 4.0, (96, 4)).astype(np.float32)
    y = keras.utils.to_categorical((x[:, 0] > 6.0).astype(int), 2)
    return x, y


def _model() -> keras.Model:
    """MobileNetV2's BatchNorm momentum: its moving statistics barely move in a short run."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    x = keras.layers.BatchNormalization(momentum=0.999)(inputs)
    x = keras.layers.Dense(8, activation="relu")(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    compile_model(model, 1e-2)
    return model


def _fit(extra: list) -> tuple[keras.Model, list[float], tf.data.Dataset]:
    x, y = _data()
    model = _model()
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    calibration = tf.data.Dataset.from_tensor_slices(x).batch(32)
    callbacks = [cb(calibration) for cb in extra]
    history = run_phase(model, train, train, 2, 5, None, plateau=False, extra=callbacks)
    return model, history["val_loss"], calibration


def test_validation_loss_is_measured_after_recalibration():
    model, val_loss, calibration = _fit([RecalibrateBeforeValidation])
    x, y = _data()
    recalibrate_batchnorm(model, calibration, VALIDATION_CALIBRATION_BATCHES)
    loss = keras.losses.categorical_crossentropy(y, model(x, training=False))
    assert val_loss[-1] == pytest.approx(float(np.mean(loss)), rel=1e-4)


def test_without_it_validation_sees_the_initial_statistics():
    _, stale, _ = _fit([])
    _, recalibrated, _ = _fit([RecalibrateBeforeValidation])
    assert stale[-1] > 2 * recalibrated[-1]

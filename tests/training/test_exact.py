"""The float64 twin computes the same function as the model, in float64."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training.exact import float64_twin
from classifier_training.models import build_cnn, set_seed
from image_classifier.preprocessing import InputSpec

pytestmark = pytest.mark.slow


def test_the_twin_gives_the_models_probabilities_in_float64():
    set_seed(0)
    model = build_cnn(InputSpec(8, 8, "L"), 3, 4).model
    pixels = np.random.default_rng(0).uniform(0, 255, (16, 8, 8, 1)).astype(np.float32)
    exact = float64_twin(model)(pixels)
    assert exact.dtype == np.float64
    np.testing.assert_allclose(exact, np.asarray(model(pixels, training=False)), atol=1e-6)
    np.testing.assert_allclose(exact.sum(axis=1), 1.0, atol=1e-12)

"""A float64 copy of a Keras model: the function that both float32 engines approximate.

Parity compares ONNX Runtime with Keras, but Keras' float32 answer is itself an approximation.
On a trained-from-scratch MobileNetV2 it was measured 1.03e-5 from this copy's answer while
ONNX Runtime was 7.0e-6 from it, so the float32 reference alone would blame the wrong engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np


def _float64(config: Any) -> Any:
    """The config with every "float32" (dtype policies, input dtypes) replaced by "float64"."""
    if isinstance(config, dict):
        return {key: _float64(value) for key, value in config.items()}
    if isinstance(config, list):
        return [_float64(value) for value in config]
    return "float64" if config == "float32" else config


def float64_twin(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """The same layers and weights with every float32 dtype made float64; a function of pixels."""
    twin = model.__class__.from_config(_float64(model.get_config()))
    twin.set_weights(
        [w.astype(np.float64) if w.dtype == np.float32 else w for w in model.get_weights()]
    )

    def run(pixels: np.ndarray) -> np.ndarray:
        return np.asarray(twin(np.asarray(pixels, np.float64), training=False))

    return run

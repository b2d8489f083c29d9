"""Keras to ONNX through tf2onnx, and the check that ONNX Runtime gives Keras' answers."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import onnxruntime as ort
import tensorflow as tf
import tf2onnx

from classifier_training.errors import ParityError
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME

OPSET = 17  # tf2onnx 1.17 fails from opset 19 on this stack
MAX_ABS_DIFF = 1e-5


@dataclass(frozen=True)
class Parity:
    max_abs_diff: float
    top1_agreement: float
    samples: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "max_abs_diff": self.max_abs_diff,
            "top1_agreement": self.top1_agreement,
            "samples": self.samples,
        }


def to_onnx(model: keras.Model) -> bytes:
    """Convert a tf.function over the model, with a named input and a dynamic batch dimension."""
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name=INPUT_NAME)

    @tf.function(input_signature=[spec])
    def serve(image):
        return {OUTPUT_NAME: model(image, training=False)}

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=[spec], opset=OPSET)
    return proto.SerializeToString()


def check_parity(model: keras.Model, onnx_model: bytes, x: np.ndarray) -> Parity:
    """Compare probabilities on every sample; raise unless within bounds and top-1 identical."""
    expected = model.predict(x, batch_size=256, verbose=0)
    session = ort.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    actual = session.run([OUTPUT_NAME], {INPUT_NAME: x.astype(np.float32)})[0]
    parity = Parity(
        max_abs_diff=float(np.max(np.abs(expected - actual))),
        top1_agreement=float(np.mean(expected.argmax(1) == actual.argmax(1))),
        samples=len(x),
    )
    if parity.max_abs_diff > MAX_ABS_DIFF or parity.top1_agreement < 1.0:
        raise ParityError(
            f"ONNX Runtime disagrees with Keras: max abs diff {parity.max_abs_diff:.3g} "
            f"(limit {MAX_ABS_DIFF}), top-1 agreement {parity.top1_agreement:.2%} (need 100%)"
        )
    return parity

"""Keras to ONNX through tf2onnx, and the check that ONNX Runtime gives Keras' answers.

The graph has exactly one input, `image`: constants a layer captured from outside the
traced function (EfficientNet's Normalization statistics) would otherwise become extra graph
inputs, so they are frozen into initializers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import keras
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
from onnx import numpy_helper

from classifier_training.errors import ParityError
from classifier_training.fuse import fuse_hard_activations
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME

OPSET = 17  # tf2onnx 1.17 fails from opset 19 on this stack
MAX_ABS_DIFF = 1e-5
PARITY_BATCH = 64


@dataclass(frozen=True)
class Parity:
    max_abs_diff: float
    top1_agreement: float
    samples: int
    output_spread: float = 0.0  # largest std of a class probability across the images

    def to_dict(self) -> dict[str, float | int]:
        return {
            "max_abs_diff": self.max_abs_diff,
            "top1_agreement": self.top1_agreement,
            "samples": self.samples,
            "output_spread": self.output_spread,
        }


def to_onnx(model: keras.Model) -> bytes:
    """Convert a tf.function over the model, with a named input and a dynamic batch dimension."""
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name=INPUT_NAME)

    @tf.function(input_signature=[spec])
    def serve(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {OUTPUT_NAME: model(image, training=False)}

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=[spec], opset=OPSET)
    _freeze_captured_inputs(proto, serve)
    # tf2onnx spells each hard-swish as four nodes; one operator is ~30 % faster on MobileNetV3.
    fuse_hard_activations(proto)
    return bytes(proto.SerializeToString())


def _freeze_captured_inputs(proto: onnx.ModelProto, serve: tf.types.experimental.Function) -> None:
    """Drop unused graph inputs other than `image`; freeze used ones to their captured value."""
    extra = [i for i in proto.graph.input if i.name != INPUT_NAME]
    if not extra:
        return
    used = {name for node in proto.graph.node for name in node.input}
    for graph_input in [i for i in extra if i.name not in used]:
        proto.graph.input.remove(graph_input)
    extra = [i for i in extra if i.name in used]
    if not extra:
        return
    concrete = serve.get_concrete_function()
    values = {
        inner.name: outer.numpy()
        for outer, inner in concrete.graph.captures
        if hasattr(outer, "numpy") and outer.dtype != tf.resource
    }
    for graph_input in extra:
        if graph_input.name not in values:
            raise RuntimeError(f"exported graph has an unexpected input {graph_input.name}")
        proto.graph.initializer.append(
            numpy_helper.from_array(np.asarray(values[graph_input.name]), graph_input.name)
        )
        proto.graph.input.remove(graph_input)


def check_parity(
    model: keras.Model, onnx_model: bytes, x: np.ndarray | Iterable[np.ndarray]
) -> Parity:
    """Compare probabilities on every sample (an array or batches of one); raise unless within
    bounds and top-1 identical."""
    batches = (
        (x[i : i + PARITY_BATCH] for i in range(0, len(x), PARITY_BATCH))
        if isinstance(x, np.ndarray)
        else x
    )
    session = ort.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    worst, agree, samples, keras_rows = 0.0, 0, 0, []
    for batch in batches:
        batch = np.asarray(batch, dtype=np.float32)
        expected = np.asarray(model(batch, training=False))
        actual = session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]
        worst = max(worst, float(np.max(np.abs(expected - actual))))
        agree += int(np.sum(expected.argmax(1) == actual.argmax(1)))
        samples += len(batch)
        keras_rows.append(expected)
    spread = float(np.concatenate(keras_rows).std(axis=0).max()) if keras_rows else 0.0
    parity = Parity(worst, agree / samples if samples else 0.0, samples, spread)
    if parity.max_abs_diff > MAX_ABS_DIFF or parity.top1_agreement < 1.0:
        raise ParityError(
            f"ONNX Runtime disagrees with Keras: max abs diff {parity.max_abs_diff:.3g} "
            f"(limit {MAX_ABS_DIFF}), top-1 agreement {parity.top1_agreement:.2%} (need 100%)"
        )
    return parity

"""Keras to ONNX through tf2onnx, and the check that ONNX Runtime gives Keras' answers.

The graph has exactly one input, `image`: constants a layer captured from outside the
traced function (EfficientNet's Normalization statistics) would otherwise become extra graph
inputs, so they are frozen into initializers.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import keras
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
from onnx import numpy_helper

from classifier_training.errors import ParityError
from classifier_training.exact import float64_twin
from classifier_training.fuse import fuse_hard_activations
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME, session_options

OPSET = 17  # tf2onnx 1.17 fails from opset 19 on this stack
MAX_ABS_DIFF = 1e-5
PARITY_BATCH = 64


@dataclass(frozen=True)
class Parity:
    max_abs_diff: float  # ONNX Runtime against Keras float32, over every image
    top1_agreement: float
    samples: int
    output_spread: float = 0.0  # largest std of a class probability across the images
    # Images over the bound against Keras, judged against a float64 run of the model instead:
    refereed: int = 0
    refereed_max_abs_diff: float = 0.0  # ONNX Runtime against float64 on those images
    keras_refereed_max_abs_diff: float = 0.0  # Keras float32 against float64 on them

    @property
    def passes(self) -> bool:
        """Every image within the bound of Keras or, refereed, of float64; top-1 identical."""
        within = self.max_abs_diff <= MAX_ABS_DIFF or (
            self.refereed > 0 and self.refereed_max_abs_diff <= MAX_ABS_DIFF
        )
        return within and self.top1_agreement == 1.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "max_abs_diff": self.max_abs_diff,
            "top1_agreement": self.top1_agreement,
            "samples": self.samples,
            "output_spread": self.output_spread,
            "refereed": self.refereed,
            "refereed_max_abs_diff": self.refereed_max_abs_diff,
            "keras_refereed_max_abs_diff": self.keras_refereed_max_abs_diff,
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
    data = bytes(proto.SerializeToString())
    del proto, serve
    # tf2onnx's graph objects form reference cycles: about 1 GB for EfficientNet-Lite0 that
    # would otherwise stay until some later collection, on top of parity's own memory.
    gc.collect()
    return data


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
    """Compare probabilities on every sample (an array or batches of one), with serving's own
    session settings; raise unless each is within bounds and top-1 is identical.

    An image over the bound against Keras' float32 answer is judged against a float64 run of
    the model instead: it passes if ONNX Runtime is within the bound of the exact answer."""
    batches = (
        (x[i : i + PARITY_BATCH] for i in range(0, len(x), PARITY_BATCH))
        if isinstance(x, np.ndarray)
        else x
    )
    session = ort.InferenceSession(
        onnx_model, sess_options=session_options(1), providers=["CPUExecutionProvider"]
    )
    exact: Callable[[np.ndarray], np.ndarray] | None = None
    expected_rows, actual_rows, onnx_errors, keras_errors = [], [], [], []
    for batch in batches:
        batch = np.asarray(batch, dtype=np.float32)
        expected = np.asarray(model.predict_on_batch(batch))  # eager calls hold ~1 GB more
        actual = session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]
        over = np.abs(expected - actual).max(axis=1) > MAX_ABS_DIFF
        if over.any():
            exact = exact or float64_twin(model)
            reference = exact(batch[over])
            onnx_errors.append(np.abs(actual[over] - reference).max(axis=1))
            keras_errors.append(np.abs(expected[over] - reference).max(axis=1))
        expected_rows.append(expected)
        actual_rows.append(actual)
    if not expected_rows:
        raise ParityError("no images to compare ONNX Runtime with Keras on")
    expected, actual = np.concatenate(expected_rows), np.concatenate(actual_rows)
    onnx_exact, keras_exact = (
        np.concatenate([np.zeros(0), *e]) for e in (onnx_errors, keras_errors)
    )
    parity = Parity(
        max_abs_diff=float(np.abs(expected - actual).max()),
        top1_agreement=float(np.mean(expected.argmax(1) == actual.argmax(1))),
        samples=len(expected),
        output_spread=float(expected.std(axis=0).max()),
        refereed=len(onnx_exact),
        refereed_max_abs_diff=float(onnx_exact.max(initial=0.0)),
        keras_refereed_max_abs_diff=float(keras_exact.max(initial=0.0)),
    )
    if not parity.passes:
        raise ParityError(
            f"ONNX Runtime disagrees with Keras: max abs diff {parity.max_abs_diff:.3g} "
            f"(limit {MAX_ABS_DIFF}; the {parity.refereed} images over it are up to "
            f"{parity.refereed_max_abs_diff:.3g} from a float64 run of the model), "
            f"top-1 agreement {parity.top1_agreement:.2%} (need 100%)"
        )
    return parity

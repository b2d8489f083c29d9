"""A Keras source (.keras, .h5 or a SavedModel directory): TensorFlow runs it eagerly, and
tf2onnx converts it at a fixed height and width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.source import (
    OPSET,
    ImportSource,
    Shape,
    TensorInfo,
    known_dims,
    pick,
)

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def open_keras(path: Path, input_name: str | None, output_name: str | None) -> ImportSource:
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise ImportInputError(f"{path}: not a readable Keras model ({exc})") from exc
    in_names = [t.name for t in model.inputs]
    index = pick(in_names, input_name, "input", "--input-name")
    if len(in_names) > 1:
        raise ImportInputError("the model has several inputs; serving feeds one image")
    out_names = [t.name for t in model.outputs]
    out_index = pick(out_names, output_name, "output", "--output-name")
    in_tensor, out_tensor = model.inputs[index], model.outputs[out_index]

    def call(x: Any) -> Any:
        result = model(x, training=False)
        return result[out_index] if isinstance(result, list | tuple) else result

    return _tf_source(
        "keras",
        TensorInfo(in_names[index], known_dims(in_tensor.shape), str(in_tensor.dtype)),
        TensorInfo(out_names[out_index], known_dims(out_tensor.shape), str(out_tensor.dtype)),
        call,
        {"producer_name": "keras", "producer_version": keras.__version__},
    )


def open_saved_model(path: Path, input_name: str | None, output_name: str | None) -> ImportSource:
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(path))
        signature = loaded.signatures["serving_default"]
    except Exception as exc:
        raise ImportInputError(f"{path}: not a loadable SavedModel ({exc})") from exc
    specs = signature.structured_input_signature[1]
    in_names = sorted(specs)
    name = in_names[pick(in_names, input_name, "input", "--input-name")]
    if len(in_names) > 1:
        raise ImportInputError("the model has several inputs; serving feeds one image")
    outputs = signature.structured_outputs
    out_names = sorted(outputs)
    out_name = out_names[pick(out_names, output_name, "output", "--output-name")]

    def call(x: Any) -> Any:
        return signature(**{name: x})[out_name]

    return _tf_source(
        "keras-savedmodel",
        TensorInfo(name, known_dims(specs[name].shape), specs[name].dtype.name),
        TensorInfo(out_name, known_dims(outputs[out_name].shape), outputs[out_name].dtype.name),
        call,
        {"producer_name": "tensorflow", "producer_version": tf.__version__},
        loaded,
    )


def _tf_source(
    kind: str,
    the_input: TensorInfo,
    the_output: TensorInfo,
    call: Callable[[Any], Any],
    provenance: dict[str, Any],
    keep_alive: Any = None,
) -> ImportSource:
    """A TensorFlow callable run eagerly, converted with tf2onnx.from_function at a fixed H x W."""
    import tensorflow as tf

    def run(x: np.ndarray) -> np.ndarray:
        _ = keep_alive  # the SavedModel's variables live as long as this runner
        return np.asarray(call(tf.constant(x)))

    def convert(shape: Shape) -> Any:
        import tf2onnx

        spec = tf.TensorSpec((None, *shape[1:]), tf.as_dtype(the_input.dtype), name="source_input")

        @tf.function(input_signature=[spec])  # type: ignore[untyped-decorator]
        def serve(x: Any) -> dict[str, Any]:
            return {"source_output": call(x)}

        proto, _ = tf2onnx.convert.from_function(serve, input_signature=[spec], opset=OPSET)
        return proto

    provenance = {**provenance, "input_name": the_input.name, "output_name": the_output.name}
    return ImportSource(kind, the_input, the_output, run, convert, provenance)

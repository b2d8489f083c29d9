"""A TFLite source: LiteRT runs it, tf2onnx converts it; integer tensors keep their quantisation."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.preprocessing import Quantization
from classifier_training.importing.source import (
    OPSET,
    ImportSource,
    Shape,
    TensorInfo,
    known_dims,
    pick,
)


def open_tflite(path: Path, input_name: str | None, output_name: str | None) -> ImportSource:
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_path=str(path))
        interpreter.allocate_tensors()
    except Exception as exc:
        raise ImportInputError(f"{path}: not a readable TFLite model ({exc})") from exc
    inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
    in_detail = inputs[pick([d["name"] for d in inputs], input_name, "input", "--input-name")]
    if len(inputs) > 1:
        raise ImportInputError("the model has several inputs; serving feeds one image")
    out_detail = outputs[pick([d["name"] for d in outputs], output_name, "output", "--output-name")]
    the_input, the_output = _tensor_info(in_detail), _tensor_info(out_detail)

    def run(x: np.ndarray) -> np.ndarray:
        if tuple(in_detail["shape"]) != x.shape:
            interpreter.resize_tensor_input(in_detail["index"], list(x.shape))
            interpreter.allocate_tensors()
            in_detail["shape"] = np.array(x.shape)
        interpreter.set_tensor(in_detail["index"], x)
        interpreter.invoke()
        return np.array(interpreter.get_tensor(out_detail["index"]))

    def convert(_shape: Shape) -> Any:
        import tf2onnx

        with warnings.catch_warnings():
            # tf2onnx reads the file with tf.lite.Interpreter, which warns of its own deprecation.
            warnings.simplefilter("ignore", UserWarning)
            proto, _ = tf2onnx.convert.from_tflite(
                str(path),
                input_names=[the_input.name],
                output_names=[the_output.name],
                opset=OPSET,
            )
        return proto

    provenance = {
        "producer_name": "tflite",
        "input_name": the_input.name,
        "output_name": the_output.name,
    }
    return ImportSource("tflite", the_input, the_output, run, convert, provenance)


def _tensor_info(detail: dict[str, Any]) -> TensorInfo:
    dtype = str(np.dtype(detail["dtype"]))
    scale, zero_point = detail["quantization"]
    quant = None
    if np.issubdtype(np.dtype(dtype), np.integer):
        quant = Quantization(float(scale) or 1.0, int(zero_point), dtype)
    shape = detail.get("shape_signature")
    return TensorInfo(
        detail["name"], known_dims(shape if shape is not None else detail["shape"]), dtype, quant
    )

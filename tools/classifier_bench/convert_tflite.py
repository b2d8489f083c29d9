"""model.keras to .tflite for the LiteRT peers (TensorFlow world, bench only): float, and
LiteRT's own full-integer int8 calibrated on the images onnxruntime's int8 was calibrated on.

`python -m classifier_bench.convert_tflite MODEL_KERAS OUTPUT` writes the float graph; the
int8 one needs the photos, so `make bench-models` makes it and commits it beside the model.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def convert(keras_path: Path, output: Path) -> int:
    import keras
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(keras.models.load_model(keras_path))
    data = converter.convert()
    output.write_bytes(data)
    return len(data)


def convert_int8(keras_path: Path, calibration: np.ndarray, output: Path) -> int:
    """Every operator in int8 (TFLITE_BUILTINS_INT8), with float pixels in and probabilities
    out, so the same handler feeds it; calibrated on `calibration` (uint8 N, H, W, C)."""
    import keras
    import tensorflow as tf

    def representative() -> Iterator[list[np.ndarray]]:
        for image in calibration:
            yield [image[None].astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(keras.models.load_model(keras_path))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    data = converter.convert()
    output.write_bytes(data)
    return len(data)


def predict(tflite: Path, x: np.ndarray) -> np.ndarray:
    """Probabilities for uint8 images (N, H, W, C), one at a time as the handler would."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite), num_threads=1)
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]
    rows = []
    for image in x:
        interpreter.set_tensor(source, image[None].astype(np.float32))
        interpreter.invoke()
        rows.append(interpreter.get_tensor(target)[0].copy())
    return np.stack(rows)


if __name__ == "__main__":
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])))

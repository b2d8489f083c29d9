"""Convert model/model.keras to .tflite for the LiteRT peer (TensorFlow world, bench only)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def convert(keras_path: Path, output: Path) -> int:
    import keras
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(keras.models.load_model(keras_path))
    data = converter.convert()
    output.write_bytes(data)
    return len(data)


if __name__ == "__main__":
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])))

"""Peer engines behind the very same handler contract: only the inference call differs.

They reuse the project's HttpApp (event parsing, decoding, preprocessing, JSON), so the
comparison isolates what shipping TensorFlow or LiteRT instead of ONNX Runtime costs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from image_classifier.model import Classifier
from image_classifier.model_card import ModelCard


class KerasEngine:
    """`model.keras` through a compiled tf.function with a fixed signature, or eager model(x)."""

    def __init__(self, card: ModelCard, mode: str, threads: int | None) -> None:
        import keras
        import tensorflow as tf

        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        self.model = keras.models.load_model(card.model_dir / "model.keras")
        if mode == "tf_function":
            signature = [tf.TensorSpec((None, *card.spec.shape), tf.float32)]
            self._call = tf.function(
                lambda x: self.model(x, training=False), input_signature=signature
            )
        else:
            self._call = lambda x: self.model(x, training=False)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self._call(batch))


class LiteRTEngine:
    """The same Keras model converted to .tflite, run by ai-edge-litert's interpreter."""

    def __init__(self, tflite_path: Path, threads: int | None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(tflite_path), num_threads=threads or None)
        self.interpreter.allocate_tensors()
        self._input = self.interpreter.get_input_details()[0]["index"]
        self._output = self.interpreter.get_output_details()[0]["index"]
        self._batch = 1

    def predict(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) != self._batch:
            self.interpreter.resize_tensor_input(self._input, batch.shape)
            self.interpreter.allocate_tensors()
            self._batch = len(batch)
        self.interpreter.set_tensor(self._input, batch)
        self.interpreter.invoke()
        output: np.ndarray = self.interpreter.get_tensor(self._output)
        return output.copy()


def build_handler(
    impl: str, model_dir: Path, tflite_path: Path | None, pinned: bool
) -> tuple[Any, Classifier]:
    """The `classify(event, context)` entry point of one implementation, and its engine.

    For this project it is handler.py itself, which finds the model through MODEL_DIR.
    """
    if impl == "onnx":
        from classifier_devtools.paths import load_handler

        handler = load_handler()

        return handler.classify, handler.CLASSIFIER
    from image_classifier.http_app import HttpApp
    from image_classifier.settings import Settings

    threads = 1 if pinned else None
    card = ModelCard.load(model_dir)
    engine: KerasEngine | LiteRTEngine
    if impl in ("keras", "keras-eager"):
        engine = KerasEngine(card, "tf_function" if impl == "keras" else "eager", threads)
    elif impl == "litert" and tflite_path is not None:
        engine = LiteRTEngine(tflite_path, threads or os.cpu_count())
    else:
        raise ValueError(f"unknown implementation {impl}")
    classifier = Classifier(card, engine)
    return HttpApp(classifier, Settings.from_env(default_model_dir=model_dir)), classifier

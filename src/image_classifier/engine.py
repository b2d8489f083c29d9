"""Inference engines: the Engine protocol and its one production implementation, ONNX Runtime."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import onnxruntime as ort

from image_classifier.errors import ModelLoadError
from image_classifier.graph_choice import choose_graph, cpu_flags
from image_classifier.model_card import LABELS_FILE, METADATA_FILE, ModelCard

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"


class Engine(Protocol):
    """Raw 0-255 pixels in, one row of class probabilities per image out."""

    def predict(self, batch: np.ndarray) -> np.ndarray: ...


def session_options(threads: int) -> ort.SessionOptions:
    """ALL-level graph optimisation in-process (its NCHWc layout is where a CNN's speed is); no
    spinning: an idle intra-op thread that spins burns the vCPU quota the request needs; no
    memory pattern: a block planned per input shape kept a batch of 16's peak for good."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = True
    options.enable_mem_pattern = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class OnnxEngine:
    """An ONNX Runtime session over the card's graph for this CPU, checked against the card."""

    def __init__(self, card: ModelCard, threads: int = 1, precision: str = "auto"):
        self.graph = choose_graph(card, precision, cpu_flags())
        model_bytes = card.read_model_bytes(self.graph.file)
        try:
            self.session = ort.InferenceSession(
                model_bytes,
                sess_options=session_options(threads),
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:
            raise ModelLoadError(
                f"{card.model_dir / self.graph.file}: not a loadable model"
            ) from exc
        self._check_graph(card)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities for a (N, H, W, C) float32 batch, in one session call."""
        result: np.ndarray = self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]
        return result

    def _check_graph(self, card: ModelCard) -> None:
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = {o.name: o for o in self.session.get_outputs()}
        if INPUT_NAME not in inputs or OUTPUT_NAME not in outputs:
            raise ModelLoadError(
                f"{card.model_dir / self.graph.file}: expected input '{INPUT_NAME}' and "
                f"output '{OUTPUT_NAME}'"
            )
        graph_shape = list(inputs[INPUT_NAME].shape[1:])
        if graph_shape != list(card.spec.shape):
            raise ModelLoadError(
                f"{card.model_dir / METADATA_FILE}: input spec {list(card.spec.shape)} does not "
                f"match the graph input {graph_shape} of {self.graph.file}"
            )
        width = outputs[OUTPUT_NAME].shape[-1]
        if isinstance(width, int) and width != len(card.labels):
            raise ModelLoadError(
                f"{card.model_dir / LABELS_FILE}: {len(card.labels)} labels but the model "
                f"outputs {width} classes"
            )

"""Loads and checks the ONNX model, its labels and its card once, then scores batches."""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from PIL import Image

from image_classifier.errors import ModelLoadError
from image_classifier.preprocessing import InputSpec, preprocess

MODEL_FILE = "model.onnx"
LABELS_FILE = "labels.json"
METADATA_FILE = "metadata.json"
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
# Lambda gives one vCPU's worth of time per 1769 MB; below two of them extra threads only contend.
MB_PER_VCPU = 1769


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": self.score}


def intra_op_threads(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    """One thread unless the function's memory buys two vCPUs; ORT_INTRA_OP_THREADS overrides."""
    override = environ.get("ORT_INTRA_OP_THREADS")
    if override:
        return max(1, int(override))
    memory_mb = int(environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 0)
    vcpus = memory_mb // MB_PER_VCPU
    if vcpus < 2:
        return 1
    return max(1, min(vcpus, os.cpu_count() or 1))


def session_options(threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = True
    return options


class Classifier:
    """The model with everything needed to serve it; build it once per container."""

    def __init__(self, model_dir: Path | str, threads: int | None = None):
        self.model_dir = Path(model_dir)
        self.metadata, self.labels, self.spec = read_card(self.model_dir)
        model_bytes = _read_model_bytes(self.model_dir / MODEL_FILE, self.metadata)
        try:
            self.session = ort.InferenceSession(
                model_bytes,
                sess_options=session_options(threads or intra_op_threads()),
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:
            raise ModelLoadError(f"{self.model_dir / MODEL_FILE}: not a loadable model") from exc
        self._check_graph()
        self._warm_up()

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", "model"))

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "0"))

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities for a (N, H, W, C) float32 batch, in one session call."""
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]

    def top_k(self, probabilities: np.ndarray, k: int) -> list[Prediction]:
        order = np.argsort(-probabilities, kind="stable")[:k]
        return [Prediction(self.labels[i], float(probabilities[i])) for i in order]

    def card(self) -> dict[str, Any]:
        """The public summary served at GET /model."""
        return {
            "name": self.name,
            "version": self.version,
            "labels": self.labels,
            "input": self.spec.to_dict(),
            "metrics": self.metadata.get("metrics", {}),
            "created_at": self.metadata.get("created_at"),
        }

    def _check_graph(self) -> None:
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = {o.name: o for o in self.session.get_outputs()}
        model_path = self.model_dir / MODEL_FILE
        if INPUT_NAME not in inputs or OUTPUT_NAME not in outputs:
            raise ModelLoadError(
                f"{model_path}: expected input '{INPUT_NAME}' and output '{OUTPUT_NAME}'"
            )
        graph_shape = list(inputs[INPUT_NAME].shape[1:])
        if graph_shape != list(self.spec.shape):
            raise ModelLoadError(
                f"{self.model_dir / METADATA_FILE}: input spec {list(self.spec.shape)} does not "
                f"match the graph input {graph_shape} of {MODEL_FILE}"
            )
        width = outputs[OUTPUT_NAME].shape[-1]
        if isinstance(width, int) and width != len(self.labels):
            raise ModelLoadError(
                f"{self.model_dir / LABELS_FILE}: {len(self.labels)} labels but the model "
                f"outputs {width} classes"
            )

    def _warm_up(self) -> None:
        """Pay for ORT's first run and Pillow's plugin set-up here, not on the first request."""
        tiny = io.BytesIO()
        Image.new("RGB", (2, 2)).save(tiny, format="PNG")
        pixels = preprocess(tiny.getvalue(), self.spec)
        probabilities = self.predict(pixels[None])
        if probabilities.shape != (1, len(self.labels)):
            raise ModelLoadError(
                f"{self.model_dir / LABELS_FILE}: {len(self.labels)} labels but the model "
                f"outputs shape {list(probabilities.shape)}"
            )


def read_card(model_dir: Path) -> tuple[dict[str, Any], list[str], InputSpec]:
    """The metadata, labels and input spec, checked against each other."""
    metadata = _read_metadata(model_dir / METADATA_FILE)
    labels = _read_labels(model_dir / LABELS_FILE)
    spec = _input_spec(metadata, model_dir / METADATA_FILE)
    if metadata.get("labels") not in (None, labels):
        raise ModelLoadError(f"{model_dir / METADATA_FILE}: its labels differ from {LABELS_FILE}")
    return metadata, labels, spec


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path}: missing") from exc
    except (ValueError, OSError) as exc:
        raise ModelLoadError(f"{path}: not valid JSON ({exc})") from exc


def _read_metadata(path: Path) -> dict[str, Any]:
    metadata = _read_json(path)
    if not isinstance(metadata, dict):
        raise ModelLoadError(f"{path}: must be a JSON object")
    return metadata


def _read_labels(path: Path) -> list[str]:
    labels = _read_json(path)
    if (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(label, str) for label in labels)
        or len(set(labels)) != len(labels)
    ):
        raise ModelLoadError(f"{path}: must be a non-empty list of distinct strings")
    return labels


def _read_model_bytes(path: Path, metadata: dict[str, Any]) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path}: missing") from exc
    expected = metadata.get("model_sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise ModelLoadError(
            f"{path}: sha256 differs from {METADATA_FILE} (truncated or replaced?)"
        )
    return data


def _input_spec(metadata: Any, path: Path) -> InputSpec:
    try:
        return InputSpec.from_dict(metadata["input"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{path}: invalid or missing input spec ({exc})") from exc

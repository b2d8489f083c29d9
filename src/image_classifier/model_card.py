"""The model card: the labels, input spec and metadata that sit beside model.onnx, checked.

Kept apart from any engine, so that every runtime (ONNX Runtime here, LiteRT and Keras in the
benchmark) reads and ranks the same way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from image_classifier.errors import ModelLoadError
from image_classifier.preprocessing import InputSpec

MODEL_FILE = "model.onnx"
LABELS_FILE = "labels.json"
METADATA_FILE = "metadata.json"
# The int8 graph beside model.onnx, where the card's int8 verdict kept one (serving.graph).
INT8_FILE = "model.int8.onnx"
GRAPH_FILES = (MODEL_FILE, INT8_FILE)
# Card fields GET /model shows when present: where a model came from and how it was checked.
SUMMARY_EXTRAS = ("source", "preprocessing", "parity", "evaluation")


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": self.score}


@dataclass(frozen=True)
class ModelCard:
    """What model/ says about the model; `load` checks the files against each other."""

    model_dir: Path
    metadata: dict[str, Any]
    labels: list[str]
    spec: InputSpec

    @classmethod
    def load(cls, model_dir: Path | str) -> ModelCard:
        model_dir = Path(model_dir)
        metadata = _read_metadata(model_dir / METADATA_FILE)
        labels = _read_labels(model_dir / LABELS_FILE)
        spec = _input_spec(metadata, model_dir / METADATA_FILE)
        if metadata.get("labels") not in (None, labels):
            raise ModelLoadError(
                f"{model_dir / METADATA_FILE}: its labels differ from {LABELS_FILE}"
            )
        return cls(model_dir, metadata, labels, spec)

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", "model"))

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "0"))

    @property
    def model_path(self) -> Path:
        return self.model_dir / MODEL_FILE

    @property
    def serving_graph(self) -> str:
        """The graph the card's `serving.graph` names (model.onnx when the card has none)."""
        serving = self.metadata.get("serving", {"graph": MODEL_FILE})
        graph = serving.get("graph") if isinstance(serving, dict) else None
        if graph not in GRAPH_FILES:
            raise ModelLoadError(
                f"{self.model_dir / METADATA_FILE}: serving.graph must be one of {GRAPH_FILES}"
            )
        return str(graph)

    def read_model_bytes(self, graph: str = MODEL_FILE) -> bytes:
        """A graph, refused if its sha256 differs from the card's (truncated or replaced)."""
        if graph not in GRAPH_FILES:
            raise ModelLoadError(f"{graph!r}: not one of {GRAPH_FILES}")
        path = self.model_dir / graph
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ModelLoadError(f"{path}: missing") from exc
        if graph == MODEL_FILE:
            expected = self.metadata.get("model_sha256")
        else:
            int8 = self.metadata.get("int8")
            expected = int8.get("sha256") if isinstance(int8, dict) else None
            if not isinstance(expected, str):
                raise ModelLoadError(f"{self.model_dir / METADATA_FILE}: int8.sha256 missing")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise ModelLoadError(
                f"{path}: sha256 differs from {METADATA_FILE} (truncated or replaced?)"
            )
        return data

    def top_k(self, probabilities: np.ndarray, k: int) -> list[Prediction]:
        order = np.argsort(-probabilities, kind="stable")[:k]
        return [Prediction(self.labels[i], float(probabilities[i])) for i in order]

    def summary(self) -> dict[str, Any]:
        """The public summary served at GET /model; an imported model's provenance when present."""
        summary = {
            "name": self.name,
            "version": self.version,
            "labels": self.labels,
            "input": self.spec.to_dict(),
            "metrics": self.metadata.get("metrics", {}),
            "created_at": self.metadata.get("created_at"),
        }
        for key in SUMMARY_EXTRAS:
            if key in self.metadata:
                summary[key] = self.metadata[key]
        return summary


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


def _input_spec(metadata: Any, path: Path) -> InputSpec:
    try:
        return InputSpec.from_dict(metadata["input"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{path}: invalid or missing input spec ({exc})") from exc

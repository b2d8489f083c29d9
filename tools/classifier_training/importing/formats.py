"""Which format a path holds, opened by that format's module, with the provenance every
source records in the card (file name, sha256, format)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.source import ImportSource, Opener
from classifier_training.importing.source_keras import KERAS_SUFFIXES, open_keras, open_saved_model
from classifier_training.importing.source_onnx import open_onnx
from classifier_training.importing.source_tflite import open_tflite


def load_source(
    path: Path, input_name: str | None = None, output_name: str | None = None
) -> ImportSource:
    """Open `path` by its kind; unreadable or unsupported files are an ImportInputError."""
    opener, kind = _opener(path)
    source = opener(path, input_name, output_name)
    source.provenance = {
        "file": path.name,
        "sha256": _sha256(path),
        "format": kind,
        **source.provenance,
    }
    return source


def _opener(path: Path) -> tuple[Opener, str]:
    if not path.exists():
        raise ImportInputError(f"{path}: no such file or directory")
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise ImportInputError(f"{path}: a directory, but not a SavedModel (no saved_model.pb)")
        return open_saved_model, "keras-savedmodel"
    suffix = path.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        return open_keras, "keras"
    if suffix == ".tflite":
        return open_tflite, "tflite"
    if suffix == ".onnx":
        return open_onnx, "onnx"
    raise ImportInputError(
        f"{path}: unsupported file; give .keras, .h5, a SavedModel directory, .tflite or .onnx"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()

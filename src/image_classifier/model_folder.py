"""The one writer of a model folder: model.onnx, labels.json and the metadata.json card.

Training, importing and the benchmark's model building all write through here, so the file
names, the labels file and the card's checksum of the graph are decided in one place, and
`ModelCard.load` reads back exactly what was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from image_classifier.model_card import LABELS_FILE, METADATA_FILE, MODEL_FILE, ModelCard
from image_classifier.preprocessing import InputSpec


@dataclass(frozen=True)
class CardHeader:
    """What every card starts with, whoever wrote it."""

    name: str
    version: str
    labels: list[str]
    input: InputSpec

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "input": self.input.to_dict(),
            "labels": list(self.labels),
        }


def card_document(header: CardHeader, sections: Mapping[str, Any], model: bytes) -> dict[str, Any]:
    """The card as written: the header, the writer's sections, and the graph's sha256."""
    reserved = set(header.to_dict()) | {"model_sha256"}
    clash = reserved.intersection(sections)
    if clash:
        raise ValueError(f"card sections may not redefine {sorted(clash)}")
    return {**header.to_dict(), **sections, "model_sha256": hashlib.sha256(model).hexdigest()}


def write_model_folder(
    directory: Path, model: bytes, header: CardHeader, sections: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the three files into `directory` (which must exist); returns the card written."""
    card = card_document(header, sections, model)
    _write(directory, model, header.labels, card)
    return card


def write_variant(source: ModelCard, directory: Path, model: bytes) -> dict[str, Any]:
    """`source`'s card and labels beside another graph of the same model (int8, fused...)."""
    card = {**source.metadata, "model_sha256": hashlib.sha256(model).hexdigest()}
    _write(directory, model, source.labels, card)
    return card


def rewrite_card(directory: Path, sections: Mapping[str, Any]) -> dict[str, Any]:
    """Update sections of an existing card in place (the graph and labels are unchanged)."""
    path = directory / METADATA_FILE
    card = {**json.loads(path.read_text(encoding="utf-8")), **sections}
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def _write(directory: Path, model: bytes, labels: list[str], card: Mapping[str, Any]) -> None:
    (directory / MODEL_FILE).write_bytes(model)
    (directory / LABELS_FILE).write_text(json.dumps(labels) + "\n", encoding="utf-8")
    (directory / METADATA_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")

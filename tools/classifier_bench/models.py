"""The models `make bench` measures: the default digits model and the committed photo models.

The photo models live under tools/classifier_bench/models/<name>/ (made by
`make bench-models` from the flowers photos, which a fresh clone does not have). A model
whose card keeps an int8 graph is also benchmarked as its own variant.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier_devtools.paths import MODEL_DIR

MODELS_DIR = Path(__file__).resolve().parent / "models"
PHOTO_MODELS = ("mobilenet_v3_small", "cnn")


@dataclass(frozen=True)
class BenchModel:
    name: str
    model_dir: Path
    photo: bool

    @property
    def metadata(self) -> dict[str, Any]:
        card: dict[str, Any] = json.loads((self.model_dir / "metadata.json").read_text())
        return card

    @property
    def int8_kept(self) -> bool:
        return bool(self.metadata.get("int8", {}).get("kept"))


def bench_models(names: list[str] | None = None) -> list[BenchModel]:
    """The photo models first (they are what the targets are about), then digits."""
    models = [BenchModel(name, MODELS_DIR / name, True) for name in PHOTO_MODELS]
    models.append(BenchModel("digits", MODEL_DIR, False))
    return [m for m in models if names is None or m.name in names]


def int8_model_dir(model: BenchModel, workdir: Path) -> Path:
    """A model directory whose model.onnx is the int8 graph, so handler.py serves it unchanged."""
    data = (model.model_dir / model.metadata["int8"]["file"]).read_bytes()
    return _variant_dir(model, workdir, "int8", data)


def _variant_dir(model: BenchModel, workdir: Path, variant: str, data: bytes) -> Path:
    """The model's card and labels beside another graph, with the card's sha256 updated."""
    target = workdir / f"{model.name}-{variant}"
    target.mkdir(parents=True, exist_ok=True)
    (target / "model.onnx").write_bytes(data)
    shutil.copy(model.model_dir / "labels.json", target / "labels.json")
    metadata = dict(model.metadata, model_sha256=hashlib.sha256(data).hexdigest())
    (target / "metadata.json").write_text(json.dumps(metadata, indent=2))
    return target


def fused_model_dir(model: BenchModel, workdir: Path) -> Path | None:
    """The graph with MobileNetV3's hard activations as single operators, or None if it has none."""
    import onnx

    from classifier_training.fuse import fuse_hard_activations

    graph = onnx.load(model.model_dir / "model.onnx")
    if not fuse_hard_activations(graph):
        return None
    return _variant_dir(model, workdir, "fused", graph.SerializeToString())

"""The models `make bench` measures: the default photo model and the default digits model.

The photo model lives under tools/classifier_bench/models/<name>/ (made by
`make bench-models` from the flowers photos, which a fresh clone does not have), beside the
LiteRT int8 graph calibrated on the same photos. A model whose card keeps an int8 graph is
also measured with MODEL_PRECISION=int8, whatever this CPU would choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier_devtools.paths import MODEL_DIR
from image_classifier.graph_choice import GraphChoice, choose_graph, cpu_flags
from image_classifier.model_card import INT8_FILE, ModelCard
from image_classifier.model_folder import write_variant

MODELS_DIR = Path(__file__).resolve().parent / "models"
PHOTO_MODELS = ("efficientnet_lite0",)
KERAS_FILE = "model.keras"
# LiteRT's own full-integer int8, converted from model.keras on the calibration photos.
LITERT_INT8_FILE = "model.int8.tflite"
LITERT_INT8_CARD = "litert_int8.json"
# onnxruntime's int8 that the gate refused: measured by the bench, never named by the card.
REFUSED_INT8_FILE = "model.int8.refused.onnx"


@dataclass(frozen=True)
class BenchModel:
    name: str
    model_dir: Path
    photo: bool

    @property
    def card(self) -> ModelCard:
        return ModelCard.load(self.model_dir)

    @property
    def metadata(self) -> dict[str, Any]:
        return self.card.metadata

    @property
    def int8_kept(self) -> bool:
        return self.card.serving_graph == INT8_FILE

    @property
    def int8_graph(self) -> Path | None:
        """onnxruntime's int8 graph, kept by the card or refused by it, if there is one."""
        kept, refused = self.model_dir / INT8_FILE, self.model_dir / REFUSED_INT8_FILE
        if self.int8_kept:
            return kept
        return refused if refused.is_file() else None

    @property
    def litert_int8(self) -> Path | None:
        path = self.model_dir / LITERT_INT8_FILE
        return path if path.is_file() else None

    def served_here(self) -> GraphChoice:
        """The graph this project serves on this CPU with MODEL_PRECISION unset."""
        return choose_graph(self.card, "auto", cpu_flags())


def int8_variant_dir(model: BenchModel, workdir: Path) -> Path | None:
    """For a refused int8 graph: a folder serving it as model.onnx (MODEL_PRECISION=int8 only
    loads a kept one). None when the card keeps int8 or there is none."""
    graph = model.int8_graph
    if model.int8_kept or graph is None:
        return None
    target = workdir / f"{model.name}-int8-refused"
    target.mkdir(parents=True, exist_ok=True)
    write_variant(model.card, target, graph.read_bytes())
    return target


def bench_models(names: list[str] | None = None) -> list[BenchModel]:
    """The photo model first (the targets are about it), then digits."""
    models = [BenchModel(name, MODELS_DIR / name, True) for name in PHOTO_MODELS]
    models.append(BenchModel("digits", MODEL_DIR, False))
    return [m for m in models if names is None or m.name in names]

"""The classifier that serving uses: a checked model card and an engine, warmed up once."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from image_classifier.engine import Engine, OnnxEngine
from image_classifier.errors import ModelLoadError
from image_classifier.model_card import LABELS_FILE, ModelCard, Prediction
from image_classifier.preprocessing import InputSpec, preprocess


class Classifier:
    """Build it once per container: `Classifier.load` for ONNX Runtime, or any Engine."""

    def __init__(self, card: ModelCard, engine: Engine):
        self.card = card
        self.engine = engine
        self._warm_up()

    @classmethod
    def load(cls, model_dir: Path | str, threads: int = 1, precision: str = "auto") -> Classifier:
        card = ModelCard.load(model_dir)
        return cls(card, OnnxEngine(card, threads, precision))

    @property
    def labels(self) -> list[str]:
        return self.card.labels

    @property
    def spec(self) -> InputSpec:
        return self.card.spec

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return self.engine.predict(batch)

    def top_k(self, probabilities: np.ndarray, k: int) -> list[Prediction]:
        return self.card.top_k(probabilities, k)

    def _warm_up(self) -> None:
        """Pay for the engine's first run and Pillow's plugin set-up here, not on a request."""
        tiny = io.BytesIO()
        Image.new("RGB", (2, 2)).save(tiny, format="PNG")
        pixels = preprocess(tiny.getvalue(), self.spec)
        probabilities = self.predict(pixels[None])
        if probabilities.shape != (1, len(self.labels)):
            raise ModelLoadError(
                f"{self.card.model_dir / LABELS_FILE}: {len(self.labels)} labels but the model "
                f"outputs shape {list(probabilities.shape)}"
            )

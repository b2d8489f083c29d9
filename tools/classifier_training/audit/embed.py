"""The embeddings the audit compares images by: EfficientNet-Lite0 with ImageNet weights at
224x224, the same backbone, weights and input as training's default photo recipe, so the two
share the decoded-image cache and the per-image activations (whichever runs first pays)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier_training.cache import ImageCache, open_or_build
from classifier_training.data import Source
from image_classifier.preprocessing import InputSpec

BACKBONE = "efficientnet_lite0"
SPEC = InputSpec(224, 224, "RGB", "bilinear")


def decoded(source: Source, cache_root: Path | None) -> ImageCache:
    return open_or_build(source, SPEC, cache_root)


class Embedder:
    """Lite0's pooled 1280-d embeddings of cache rows, through the feature store."""

    def __init__(self, cache: ImageCache) -> None:
        from classifier_training.backbones import get_backbone
        from classifier_training.embeddings import LiteEmbedder
        from classifier_training.torch_weights import resolve

        backbone = get_backbone(BACKBONE)
        source, converted = resolve("imagenet", backbone)
        assert source.sha256 is not None
        self.cache = cache
        self.lite = LiteEmbedder(backbone, converted, source.sha256, cache.spec)
        self.computed = 0
        self.reused = 0

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        store = self.lite.store(self.cache)
        activations = self.lite.activations(store, self.cache, rows)
        self.computed, self.reused = store.computed, store.reused
        return self.lite.pool(activations[:, 0])

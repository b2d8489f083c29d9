"""Pretrained EfficientNet-Lite embeddings of a decoded-image cache, through the feature store.

Training and the data audit share this: both ask for the frozen bottom's activations of each
image (cached per image, so whichever runs first pays), and the audit pools them into the
1280-d embeddings it compares images by.
"""

from __future__ import annotations

import keras
import numpy as np

from classifier_training.backbones import Backbone
from classifier_training.cache import ImageCache
from classifier_training.convert_efficientnet_lite import IMAGENET_HEAD, Converted
from classifier_training.efficientnet_lite import LiteLayers
from classifier_training.feature_store import FeatureStore
from classifier_training.lite_architecture import CONFIGS, LiteConfig
from image_classifier.preprocessing import InputSpec

FEATURE_BATCH = 32  # image views through the frozen bottom at a time: ~0.5 GB at 224 px
EMBED_BATCH = 64


class LiteEmbedder:
    """The network's layers with pretrained weights, split where the activations are cached."""

    def __init__(
        self, backbone: Backbone, weights: Converted, weights_sha256: str, spec: InputSpec
    ) -> None:
        base = CONFIGS[backbone.name]
        self.spec = spec
        self.layers = LiteLayers(LiteConfig(base.width, base.depth, spec.height))
        self.split = self.layers.cached_block + 1
        pixels = keras.Input(shape=spec.shape)
        self.bottom = keras.Model(pixels, self.layers.apply(pixels, 0, self.split, head=False))
        self.top_input = keras.Input(shape=self.bottom.output_shape[1:], name="activations")
        self.top = keras.Model(self.top_input, self.layers.apply(self.top_input, self.split))
        for name, arrays in weights.items():
            if name != IMAGENET_HEAD:
                self.layers.layers[name].set_weights(arrays)
        self.producer = {
            "backbone": backbone.name,
            "weights_sha256": weights_sha256,
            "block": self.layers.cached_block,
            "input": spec.to_dict(),
        }

    def store(self, cache: ImageCache) -> FeatureStore:
        """The feature store beside the image cache (the same cache root)."""
        return FeatureStore(self.producer, cache.directory.parent)

    def activations(
        self,
        store: FeatureStore,
        cache: ImageCache,
        rows: np.ndarray,
        views: tuple[str, ...] = ("original",),
    ) -> np.ndarray:
        """(len(rows), len(views), H, W, C) float16 activations of the frozen bottom."""

        def produce(pixels: np.ndarray) -> np.ndarray:
            return np.concatenate(
                [
                    np.asarray(self.bottom.predict_on_batch(pixels[i : i + FEATURE_BATCH]))
                    for i in range(0, len(pixels), FEATURE_BATCH)
                ]
            )

        return store.activations(cache, rows, produce, views)

    def pool(self, activations: np.ndarray) -> np.ndarray:
        """(N, H, W, C) activations -> (N, 1280) float32 embeddings through the frozen top."""
        return np.concatenate(
            [
                np.asarray(
                    self.top.predict_on_batch(activations[i : i + EMBED_BATCH].astype(np.float32))
                )
                for i in range(0, len(activations), EMBED_BATCH)
            ]
        )

    def embed(self, cache: ImageCache, rows: np.ndarray) -> np.ndarray:
        """(len(rows), 1280) embeddings of the images as they are (the first view)."""
        acts = self.activations(self.store(cache), cache, rows)
        return self.pool(acts[:, 0])

"""EfficientNet-Lite with its own ImageNet classifier (the state dict's `_fc`), on raw pixels.

This is the network as Google published it, so its answers on a photo say whether the weights
that were loaded are the real ones, and it can be exported as a 1,000-class model.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras

from classifier_training.backbones import Backbone
from classifier_training.convert_efficientnet_lite import IMAGENET_HEAD, Converted
from classifier_training.efficientnet_lite import LiteLayers
from classifier_training.lite_architecture import CONFIGS, IMAGENET_CLASSES, LiteConfig
from image_classifier.preprocessing import InputSpec

LABELS_PATH = Path(__file__).parent / "data" / "imagenet_classes.json"


def imagenet_labels() -> list[str]:
    labels = json.loads(LABELS_PATH.read_text(encoding="utf-8"))
    if len(labels) != IMAGENET_CLASSES or len(set(labels)) != IMAGENET_CLASSES:
        raise ValueError(f"{LABELS_PATH}: needs {IMAGENET_CLASSES} distinct class names")
    return [str(label) for label in labels]


def input_spec(backbone: Backbone, size: int | None = None) -> InputSpec:
    """The project's preprocessing at the backbone's native size (Pillow bilinear, RGB)."""
    side = size or backbone.native_size or CONFIGS[backbone.name].size
    return InputSpec(side, side, "RGB", "bilinear")


def build(backbone: Backbone, weights: Converted, spec: InputSpec) -> keras.Model:
    base = CONFIGS[backbone.name]
    layers = LiteLayers(LiteConfig(base.width, base.depth, spec.height))
    head = keras.layers.Dense(IMAGENET_CLASSES, activation="softmax", name=IMAGENET_HEAD)
    inputs = keras.Input(shape=spec.shape, name="image")
    model = keras.Model(inputs, head(layers.apply(inputs)), name=f"{backbone.name}_imagenet")
    for name, arrays in weights.items():
        (head if name == IMAGENET_HEAD else layers.layers[name]).set_weights(arrays)
    return model

"""Keras models for every backbone, each taking raw 0-255 pixels: its scaling is in the graph.

Pretrained backbones run in inference mode (`training=False`), so their BatchNorm statistics
stay as loaded even while layers are fine-tuned. Backbones trained from scratch train their
BatchNorm layers, with a lower momentum so the moving statistics catch up within a short run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from classifier_training.backbones import Backbone
from classifier_training.errors import TrainingInputError
from classifier_training.weights import WeightsSource
from image_classifier.preprocessing import InputSpec

SCRATCH_BN_MOMENTUM = 0.9
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


@dataclass
class Built:
    model: keras.Model
    base: keras.Model | None  # the keras.applications backbone; None for the CNN
    scratch: bool = True  # trained from random weights, BatchNorm statistics included


def set_seed(seed: int) -> None:
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def cnn_widths(size: int, filters: int) -> list[int]:
    """One conv block per halving while the feature map stays at least 2 pixels, at most 4."""
    widths, side = [], size
    while side // 2 >= 2 and len(widths) < 4:
        widths.append(min(filters * 2 ** len(widths), filters * 8))
        side //= 2
    return widths or [filters]


def build_cnn(spec: InputSpec, n_classes: int, filters: int = 32, dropout: float = 0.3) -> Built:
    """Conv-BatchNorm-ReLU blocks with max pooling (the last of three or more has two convs),
    global average pooling, dropout, softmax."""
    inputs = keras.Input(shape=spec.shape, name="image")
    x = keras.layers.Rescaling(1.0 / 255.0, name="scale")(inputs)
    widths = cnn_widths(min(spec.height, spec.width), filters)
    for block, width in enumerate(widths):
        for conv in range(2 if block == len(widths) - 1 and block >= 2 else 1):
            x = keras.layers.Conv2D(
                width, 3, padding="same", use_bias=False, name=f"block{block}_conv{conv}"
            )(x)
            x = keras.layers.BatchNormalization(
                momentum=SCRATCH_BN_MOMENTUM, name=f"block{block}_bn{conv}"
            )(x)
            x = keras.layers.ReLU(name=f"block{block}_relu{conv}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return Built(keras.Model(inputs, outputs, name="cnn"), None)


def build_application(
    backbone: Backbone,
    spec: InputSpec,
    n_classes: int,
    weights: WeightsSource,
    dropout: float = 0.2,
) -> Built:
    """A keras.applications backbone without its top, then pooling, dropout and a softmax."""
    constructor = getattr(keras.applications, str(backbone.keras_name))
    options = {"include_top": False, "weights": None, "input_shape": spec.shape}
    if backbone.name.startswith("mobilenet_v3"):
        options["include_preprocessing"] = True
    base = constructor(**options)
    if weights.pretrained:
        _load_weights(base, backbone, weights)
        base.trainable = False
    else:
        for layer in base.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = SCRATCH_BN_MOMENTUM
    inputs = keras.Input(shape=spec.shape, name="image")
    x = inputs
    if backbone.name == "mobilenet_v2":
        x = keras.layers.Rescaling(1.0 / 127.5, offset=-1.0, name="scale")(x)
    x = base(x, training=False) if weights.pretrained else base(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return Built(keras.Model(inputs, outputs, name=backbone.name), base, not weights.pretrained)


def build_model(
    backbone: Backbone, spec: InputSpec, n_classes: int, weights: WeightsSource, filters: int
) -> Built:
    if backbone.pretrainable:
        return build_application(backbone, spec, n_classes, weights)
    return build_cnn(spec, n_classes, filters)


def recalibrate_batchnorm(model: keras.Model, batches: Any, limit: int = 64) -> int:
    """Set every BatchNorm's moving statistics to the average over training batches.

    A keras.applications backbone trained from scratch for a short run keeps moving statistics
    near their initial values (momentum 0.99-0.999), so in inference mode its outputs barely
    depend on the image. Running training images through in training mode, with a momentum that
    makes the moving value a running mean, fixes the statistics without changing a weight.
    """
    norms = [
        layer for layer in _all_layers(model) if isinstance(layer, keras.layers.BatchNormalization)
    ]
    momenta = [layer.momentum for layer in norms]
    seen = 0
    for seen, pixels in enumerate(batches.take(limit)):
        for layer in norms:
            layer.momentum = seen / (seen + 1)
        model(pixels, training=True)
    for layer, momentum in zip(norms, momenta, strict=True):
        layer.momentum = momentum
    return seen + 1 if norms else 0


def _all_layers(model: keras.Model) -> list[keras.layers.Layer]:
    layers = []
    for layer in model.layers:
        layers.append(layer)
        if isinstance(layer, keras.Model):
            layers.extend(_all_layers(layer))
    return layers


def unfreeze_top(base: keras.Model, count: int) -> int:
    """Make the top `count` layers trainable, BatchNorm excepted; returns how many now train."""
    base.trainable = True
    for layer in base.layers[: len(base.layers) - count]:
        layer.trainable = False
    trainable = 0
    for layer in base.layers[len(base.layers) - count :]:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
        else:
            trainable += 1
    return trainable


def _load_weights(base: keras.Model, backbone: Backbone, weights: WeightsSource) -> None:
    """Load a no-top file by layer order; a file for another architecture is refused."""
    assert weights.path is not None
    try:
        base.load_weights(str(weights.path))
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else repr(exc)
        raise TrainingInputError(
            f"--weights {weights.path}: does not fit backbone {backbone.name} ({reason})"
        ) from exc
    if backbone.name == "efficientnet_b0":
        _efficientnet_imagenet_scale(base)


def _efficientnet_imagenet_scale(base: keras.Model) -> None:
    """Match Keras' ImageNet EfficientNet, which divides by sqrt(stddev) once more.

    `EfficientNetB0(weights="imagenet")` adds a Rescaling(1/sqrt(stddev)) after its
    Normalization layer; a model built without it and given the same file by path would see
    inputs scaled differently. Folding the factor into the Normalization variance gives the same
    function. A file whose statistics are still the untrained ones (mean 0) needs no fix.
    """
    norm = next(layer for layer in base.layers if isinstance(layer, keras.layers.Normalization))
    mean = np.asarray(norm.adapt_mean.numpy())
    if not np.any(mean):
        return
    variance = np.asarray(norm.adapt_variance.numpy())
    norm.adapt_variance.assign(variance * np.asarray(IMAGENET_STDDEV_RGB, dtype=variance.dtype))
    norm.finalize_state()

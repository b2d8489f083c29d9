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
# Pixels per BatchNorm recalibration batch: 512 images at 32x32, 20 at 160x160.
CALIBRATION_PIXELS = 512 * 32 * 32
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


@dataclass
class Built:
    model: keras.Model
    base: keras.Model | None  # the keras.applications backbone; None for the CNN
    scratch: bool = True  # trained from random weights, BatchNorm statistics included


def set_seed(seed: int) -> None:
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


STEM_STRIDE_FROM = 64  # inputs at least this large start with a stride-2 convolution
MAX_STAGES = 4


def cnn_stages(size: int, filters: int) -> tuple[int, list[int]]:
    """The stem's stride, and one width per residual stage.

    Photos start with a stride-2 stem, so four stages of two convolutions stay affordable on
    two cores. Each later stage halves the side (max pooling) while it stays at least
    4 pixels, and doubles the width up to 8x `filters`.
    """
    stride = 2 if size >= STEM_STRIDE_FROM else 1
    side, widths = size // stride, [filters]
    while side // 2 >= 4 and len(widths) < MAX_STAGES:
        widths.append(min(widths[-1] * 2, filters * 8))
        side //= 2
    return stride, widths


def _conv_bn(x: Any, width: int, name: str, stride: int = 1, kernel: int = 3) -> Any:
    x = keras.layers.Conv2D(
        width, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv"
    )(x)
    return keras.layers.BatchNormalization(momentum=SCRATCH_BN_MOMENTUM, name=f"{name}_bn")(x)


def build_cnn(spec: InputSpec, n_classes: int, filters: int = 32, dropout: float = 0.3) -> Built:
    """A small residual network: a 3x3 stem, stages of two Conv-BatchNorm layers around an
    identity (or 1x1 projection) shortcut, max pooling between stages, global average pooling,
    dropout, softmax. Shortcuts let the extra depth train from scratch on small photo sets
    (measured in the README: flowers 0.796, digits 0.9926); the stride-2 stem keeps it cheap."""
    inputs = keras.Input(shape=spec.shape, name="image")
    x = keras.layers.Rescaling(1.0 / 255.0, name="scale")(inputs)
    stride, widths = cnn_stages(min(spec.height, spec.width), filters)
    x = keras.layers.ReLU(name="stem_relu")(_conv_bn(x, filters, "stem", stride))
    for stage, width in enumerate(widths):
        if stage:
            x = keras.layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
        shortcut = x if x.shape[-1] == width else _conv_bn(x, width, f"stage{stage}_proj", 1, 1)
        y = keras.layers.ReLU(name=f"stage{stage}_relu0")(_conv_bn(x, width, f"stage{stage}_a"))
        y = _conv_bn(y, width, f"stage{stage}_b")
        x = keras.layers.Add(name=f"stage{stage}_add")([shortcut, y])
        x = keras.layers.ReLU(name=f"stage{stage}_relu1")(x)
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


def calibration_batch_size(spec: InputSpec, batch_size: int) -> int:
    """Images per recalibration batch: enough that every channel of the stride-32 stage sees
    about CALIBRATION_PIXELS / 1024 values, and never fewer than a training batch."""
    return max(batch_size, CALIBRATION_PIXELS // (spec.height * spec.width))


def recalibrate_batchnorm(model: keras.Model, batches: Any, limit: int = 64) -> int:
    """Set every BatchNorm's moving statistics to the average over unaugmented training batches.

    A keras.applications backbone trained from scratch for a short run keeps moving statistics
    near their initial values (momentum 0.99-0.999), so in inference mode its outputs barely
    depend on the image; any network trained on augmented photos keeps the statistics of
    augmented ones. Running unaugmented training images through with BatchNorm in training mode,
    and a momentum that makes the moving value a running mean, fixes the statistics without
    changing a weight. Each BatchNorm then sees its input as normalised by the batch statistics
    upstream, while inference normalises by the moving ones; the two agree only for large
    batches and without dropout. So dropout (EfficientNet's drop-connect) is switched off, a
    last batch smaller than the first is skipped, and the caller should use
    `calibration_batch_size`.
    (Measured, EfficientNetB0 at 32 px with batches of 8: top activations 28 times the moving
    statistics' scale in inference, and probabilities 300 times as sensitive to input noise.)
    """
    layers = _all_layers(model)
    norms = [layer for layer in layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms:
        return 0
    drops = [layer for layer in layers if isinstance(layer, keras.layers.Dropout)]
    momenta = [layer.momentum for layer in norms]
    rates = [layer.rate for layer in drops]
    seen = used = first = 0
    try:
        for layer in drops:
            layer.rate = 0.0
        for pixels in batches.take(limit):
            size = int(pixels.shape[0])
            first = first or size
            if size < first:
                break
            for layer in norms:
                layer.momentum = seen / (seen + size)
            model(pixels, training=True)
            seen += size
            used += 1
    finally:
        for layer, momentum in zip(norms, momenta, strict=True):
            layer.momentum = momentum
        for layer, rate in zip(drops, rates, strict=True):
            layer.rate = rate
    return used


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

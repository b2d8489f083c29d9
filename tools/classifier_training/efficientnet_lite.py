"""EfficientNet-Lite0/1/2 in Keras, built so its layers can be applied a range of blocks at a time.

Lite is EfficientNet-B0 without squeeze-excite, with ReLU6 everywhere, a stem (32) and head
(1280) that are never scaled, and unscaled repeats in the first and last stages. TF "SAME"
padding is Keras' "same", so Google's checkpoints load as they are. The layers are created
once and may be called on several inputs: the transfer recipe runs the bottom blocks once into
a cache and trains the top on what they produced, sharing weights with the exported model.
"""

from __future__ import annotations

from typing import Any

import keras

from classifier_training.lite_architecture import (
    BN_EPSILON,
    HEAD_FILTERS,
    STEM_FILTERS,
    BlockSpec,
    LiteConfig,
    block_specs,
    cached_block,
)


class LiteLayers:
    """Every layer of one network, by name; `apply` runs a range of them on any tensor."""

    def __init__(self, config: LiteConfig) -> None:
        self.config = config
        self.blocks = block_specs(config)
        self.layers: dict[str, keras.layers.Layer] = {}
        self._add(keras.layers.Rescaling(1.0 / 128.0, offset=-127.0 / 128.0, name="scale"))
        self._conv_bn("stem", STEM_FILTERS, 3, 2)
        for block in self.blocks:
            name = f"block{block.index}"
            if block.expand != 1:
                self._conv_bn(f"{name}_expand", block.inputs * block.expand, 1, 1)
            self._add(
                keras.layers.DepthwiseConv2D(
                    block.kernel,
                    block.stride,
                    padding="same",
                    use_bias=False,
                    name=f"{name}_dwconv",
                )
            )
            self._add(keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_dw_bn"))
            self._conv_bn(f"{name}_project", block.outputs, 1, 1)
        self._conv_bn("head", HEAD_FILTERS, 1, 1)
        self._add(keras.layers.GlobalAveragePooling2D(name="pool"))

    @property
    def cached_block(self) -> int:
        return cached_block(self.blocks)

    def _add(self, layer: keras.layers.Layer) -> None:
        self.layers[layer.name] = layer

    def _conv_bn(self, name: str, filters: int, kernel: int, stride: int) -> None:
        self._add(
            keras.layers.Conv2D(
                filters, kernel, stride, padding="same", use_bias=False, name=f"{name}_conv"
            )
        )
        self._add(keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn"))

    def _conv_bn_relu(self, x: Any, name: str) -> Any:
        x = self.layers[f"{name}_bn"](self.layers[f"{name}_conv"](x), training=False)
        return keras.layers.ReLU(6.0, name=f"{name}_relu")(x)

    def block(self, x: Any, block: BlockSpec) -> Any:
        name = f"block{block.index}"
        y = self._conv_bn_relu(x, f"{name}_expand") if block.expand != 1 else x
        y = self.layers[f"{name}_dw_bn"](self.layers[f"{name}_dwconv"](y), training=False)
        y = keras.layers.ReLU(6.0, name=f"{name}_dw_relu")(y)
        y = self.layers[f"{name}_project_bn"](
            self.layers[f"{name}_project_conv"](y), training=False
        )
        return keras.layers.Add(name=f"{name}_add")([x, y]) if block.residual else y

    def apply(self, x: Any, first: int = 0, stop: int | None = None, head: bool = True) -> Any:
        """Raw pixels (first == 0) or block `first`'s input, through blocks [first, stop),
        then, with `head`, the 1280-filter head and global pooling. BatchNorm always runs in
        inference mode: the pretrained statistics are kept while weights train."""
        if first == 0:
            x = self._conv_bn_relu(self.layers["scale"](x), "stem")
        for block in self.blocks[first:stop]:
            x = self.block(x, block)
        if head:
            x = self.layers["pool"](self._conv_bn_relu(x, "head"))
        return x

    def output_shape_of(self, block: int) -> tuple[int, int, int]:
        """(H, W, C) after `block`, for an input at the config's size."""
        side = self.config.size
        side = -(-side // 2)
        for spec in self.blocks[: block + 1]:
            side = -(-side // spec.stride)
        return (side, side, self.blocks[block].outputs)

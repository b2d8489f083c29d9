"""EfficientNet-Lite's architecture as numbers: stages, width and depth scaling, block list.

TensorFlow-free, so the CLI and the weight converter can use it before TensorFlow loads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STEM_FILTERS = 32
HEAD_FILTERS = 1280
BN_EPSILON = 1e-3
IMAGENET_CLASSES = 1000
# (kernel, stride, expansion, output filters, repeats) per stage, as in EfficientNet-B0.
STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
)
# The stage after which the transfer recipe caches activations: the last one at stride 16.
CACHED_STAGE = 4


@dataclass(frozen=True)
class LiteConfig:
    width: float
    depth: float
    size: int


CONFIGS = {
    "efficientnet_lite0": LiteConfig(1.0, 1.0, 224),
    "efficientnet_lite1": LiteConfig(1.0, 1.1, 240),
    "efficientnet_lite2": LiteConfig(1.1, 1.2, 260),
}


@dataclass(frozen=True)
class BlockSpec:
    index: int
    stage: int
    kernel: int
    stride: int
    expand: int
    inputs: int
    outputs: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.inputs == self.outputs


def round_filters(filters: int, width: float, divisor: int = 8) -> int:
    """Scale by width to a multiple of `divisor`, never below 90% of the scaled value."""
    scaled = filters * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * scaled else rounded


def block_specs(config: LiteConfig) -> list[BlockSpec]:
    specs: list[BlockSpec] = []
    inputs = STEM_FILTERS
    last = len(STAGES) - 1
    for stage, (kernel, stride, expand, outputs, repeats) in enumerate(STAGES):
        out = round_filters(outputs, config.width)
        count = repeats if stage in (0, last) else math.ceil(config.depth * repeats)
        for repeat in range(count):
            specs.append(
                BlockSpec(
                    len(specs), stage, kernel, stride if repeat == 0 else 1, expand, inputs, out
                )
            )
            inputs = out
    return specs


def cached_block(blocks: list[BlockSpec]) -> int:
    """The last block whose output the transfer recipe caches."""
    return max(b.index for b in blocks if b.stage == CACHED_STAGE)

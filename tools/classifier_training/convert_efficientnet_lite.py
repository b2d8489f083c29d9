"""Map an EfficientNet-Lite torch state dict (lukemelas-style names) onto the Keras layers.

One table names where each tensor goes; every shape is checked, and a tensor left over or a
layer left empty fails with its name, so a file for another architecture cannot half-load.
"""

from __future__ import annotations

import numpy as np

from classifier_training.lite_architecture import (
    HEAD_FILTERS,
    IMAGENET_CLASSES,
    STEM_FILTERS,
    LiteConfig,
    block_specs,
)
from classifier_training.torch_state import StateDictError

IMAGENET_HEAD = "imagenet_fc"
# Torch layout to Keras layout, per kind of layer.
TRANSPOSES = {"conv": (2, 3, 1, 0), "depthwise": (2, 3, 0, 1)}
BN_PARTS = ("weight", "bias", "running_mean", "running_var")  # Keras: gamma, beta, mean, var

Converted = dict[str, list[np.ndarray]]


def name_table(config: LiteConfig) -> dict[str, tuple[str, str]]:
    """Torch module name -> (Keras layer name, kind)."""
    table = {
        "_conv_stem": ("stem_conv", "conv"),
        "_bn0": ("stem_bn", "bn"),
        "_conv_head": ("head_conv", "conv"),
        "_bn1": ("head_bn", "bn"),
        "_fc": (IMAGENET_HEAD, "dense"),
    }
    for block in block_specs(config):
        torch, keras = f"_blocks.{block.index}", f"block{block.index}"
        if block.expand != 1:
            table[f"{torch}._expand_conv"] = (f"{keras}_expand_conv", "conv")
            table[f"{torch}._bn0"] = (f"{keras}_expand_bn", "bn")
        table[f"{torch}._depthwise_conv"] = (f"{keras}_dwconv", "depthwise")
        table[f"{torch}._bn1"] = (f"{keras}_dw_bn", "bn")
        table[f"{torch}._project_conv"] = (f"{keras}_project_conv", "conv")
        table[f"{torch}._bn2"] = (f"{keras}_project_bn", "bn")
    return table


def expected_shapes(config: LiteConfig) -> dict[str, list[tuple[int, ...]]]:
    """The Keras weight shapes of every mapped layer, from the architecture alone."""
    shapes: dict[str, list[tuple[int, ...]]] = {
        "stem_conv": [(3, 3, 3, STEM_FILTERS)],
        "stem_bn": [(STEM_FILTERS,)] * 4,
        IMAGENET_HEAD: [(HEAD_FILTERS, IMAGENET_CLASSES), (IMAGENET_CLASSES,)],
    }
    last = STEM_FILTERS
    for block in block_specs(config):
        name, mid = f"block{block.index}", block.inputs * block.expand
        if block.expand != 1:
            shapes[f"{name}_expand_conv"] = [(1, 1, block.inputs, mid)]
            shapes[f"{name}_expand_bn"] = [(mid,)] * 4
        shapes[f"{name}_dwconv"] = [(block.kernel, block.kernel, mid, 1)]
        shapes[f"{name}_dw_bn"] = [(mid,)] * 4
        shapes[f"{name}_project_conv"] = [(1, 1, mid, block.outputs)]
        shapes[f"{name}_project_bn"] = [(block.outputs,)] * 4
        last = block.outputs
    shapes["head_conv"] = [(1, 1, last, HEAD_FILTERS)]
    shapes["head_bn"] = [(HEAD_FILTERS,)] * 4
    return shapes


def convert(state: dict[str, np.ndarray], config: LiteConfig) -> Converted:
    """Keras weight lists by layer name; refuses a state dict that does not fit exactly."""
    shapes = expected_shapes(config)
    remaining = {k: v for k, v in state.items() if not k.endswith(".num_batches_tracked")}
    converted: Converted = {}
    for torch_name, (keras_name, kind) in name_table(config).items():
        parts = BN_PARTS if kind == "bn" else ("weight", "bias") if kind == "dense" else ("weight",)
        arrays = []
        for part in parts:
            key = f"{torch_name}.{part}"
            if key not in remaining:
                raise StateDictError(f"the state dict has no {key}: not this EfficientNet-Lite")
            arrays.append(_to_keras(remaining.pop(key), kind, part))
        found = [a.shape for a in arrays]
        if found != shapes[keras_name]:
            raise StateDictError(
                f"{torch_name} has shapes {found}, layer {keras_name} needs {shapes[keras_name]}"
            )
        converted[keras_name] = arrays
    if remaining:
        names = ", ".join(sorted(remaining)[:3])
        raise StateDictError(f"{len(remaining)} tensors fit no layer (first: {names})")
    return converted


def _to_keras(array: np.ndarray, kind: str, part: str) -> np.ndarray:
    if array.dtype != np.float32:
        raise StateDictError(f"a {kind} {part} is {array.dtype}, not float32")
    if kind in TRANSPOSES and part == "weight":
        if array.ndim != 4:
            raise StateDictError(f"a {kind} weight has {array.ndim} dimensions, not 4")
        return np.ascontiguousarray(array.transpose(TRANSPOSES[kind]))
    if kind == "dense" and part == "weight":
        return np.ascontiguousarray(array.T)
    return array

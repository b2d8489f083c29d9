"""Settle what the source expects from the flags, the preset and what the model itself says.

Precedence: an explicit flag, then the --preset, then the model's own metadata, then a
default. The layout comes from the input shape when only one reading fits a colour order,
and is never guessed when both or neither do.
"""

from __future__ import annotations

from typing import cast

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.plan import ImportPlan
from classifier_training.importing.preprocessing import (
    CHANNELS,
    PRESETS,
    Preprocessing,
    per_channel,
)
from classifier_training.importing.source import ImportSource

IMAGE_CHANNELS = frozenset(CHANNELS.values())


def detect_layout(shape: tuple[int | None, ...]) -> str | None:
    first, last = shape[1] in IMAGE_CHANNELS, shape[3] in IMAGE_CHANNELS
    if first and not last:
        return "NCHW"
    if last and not first:
        return "NHWC"
    return None


def resolve(plan: ImportPlan, source: ImportSource) -> tuple[Preprocessing, tuple[int | None, ...]]:
    """The preprocessing to fold, and the source input shape with H and W made concrete."""
    shape = source.input.shape
    if len(shape) != 4:
        raise ImportInputError(
            f"input {source.input.name} has shape {list(shape)}: not an image batch "
            "(need rank 4, NHWC or NCHW)"
        )
    preset = PRESETS[plan.preset] if plan.preset else {}

    def setting(name: str, default: object) -> object:
        value = getattr(plan, name)
        if value is not None:
            return value
        return preset.get(name, source.hints.get(name, default))

    detected = detect_layout(shape)
    layout = plan.layout or detected or cast(str | None, preset.get("layout"))
    if layout is None:
        raise ImportInputError(
            f"input shape {list(shape)}: cannot tell NHWC from NCHW; pass --layout"
        )
    if plan.layout is None and detected is not None:
        layout = detected  # the shape outranks a preset's usual layout
    channels, height, width = (
        (shape[1], shape[2], shape[3]) if layout == "NCHW" else (shape[3], shape[1], shape[2])
    )
    color_mode = str(setting("color_mode", "L" if channels == 1 else "RGB"))
    if channels is None:
        channels = CHANNELS[color_mode]
    if channels not in IMAGE_CHANNELS:
        raise ImportInputError(
            f"input shape {list(shape)} read as {layout} has {channels} channels, which fits "
            "no colour order (L has 1, RGB and BGR have 3)"
        )
    if CHANNELS[color_mode] != channels:
        raise ImportInputError(
            f"colour mode {color_mode} (from --color-mode, --preset or the model) does not fit "
            f"the input's {channels} channel(s)"
        )
    size = plan.image_size
    if height is None or width is None:
        if size is None:
            raise ImportInputError(
                f"input shape {list(shape)} has a dynamic height or width; pass --image-size"
            )
        height, width = size
    elif size is not None and size != (height, width):
        raise ImportInputError(f"--image-size {size} differs from the model's {height}x{width}")
    mean = per_channel(tuple(setting("mean", (0.0,))), channels, "--mean")  # type: ignore[arg-type]
    std = per_channel(tuple(setting("std", (1.0,))), channels, "--std")  # type: ignore[arg-type]
    if any(s == 0 for s in std):
        raise ImportInputError("--std must not contain 0")
    output_quant = source.output.quantization if source.kind == "tflite" else None
    prep = Preprocessing(
        color_mode=color_mode,
        layout=layout,
        height=int(height),
        width=int(width),
        resize=str(setting("resize", "bilinear")),
        scale=float(setting("scale", 1.0)),  # type: ignore[arg-type]
        mean=tuple(float(m) for m in mean),
        std=tuple(float(s) for s in std),
        output_kind=str(setting("output_kind", "probabilities")),
        input_dtype=source.input.dtype,
        input_quantization=source.input.quantization,
        output_quantization=output_quant,
        preset=plan.preset,
    )
    concrete = (
        (shape[0], channels, height, width)
        if layout == "NCHW"
        else (shape[0], height, width, channels)
    )
    return prep, concrete

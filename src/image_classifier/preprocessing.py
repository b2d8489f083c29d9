"""The one function that turns image bytes (or a PIL image) into model input.

Training imports it too, so the pixels the model was fitted on and the pixels it serves
are produced by the same code: train/serve skew cannot creep in.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from image_classifier.errors import ImageError

SUPPORTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})
RESAMPLING = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
}
COLOR_MODES = {"L": 1, "RGB": 3}
DEFAULT_MAX_PIXELS = 25_000_000
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})


@dataclass(frozen=True)
class InputSpec:
    """What the model expects; stored in metadata.json and read back by serving.

    `background` is the grey level (0-255) that transparent pixels are composited onto.
    """

    height: int
    width: int
    color_mode: str = "L"
    resize: str = "bilinear"
    background: int = 0

    def __post_init__(self) -> None:
        if self.color_mode not in COLOR_MODES:
            raise ValueError(f"color_mode must be one of {sorted(COLOR_MODES)}")
        if self.resize not in RESAMPLING:
            raise ValueError(f"resize must be one of {sorted(RESAMPLING)}")
        if self.height < 1 or self.width < 1:
            raise ValueError("height and width must be positive")
        if not 0 <= self.background <= 255:
            raise ValueError("background must be a grey level from 0 to 255")

    @property
    def channels(self) -> int:
        return COLOR_MODES[self.color_mode]

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.height, self.width, self.channels)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "channels": self.channels}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSpec:
        spec = cls(
            height=int(data["height"]),
            width=int(data["width"]),
            color_mode=str(data["color_mode"]),
            resize=str(data["resize"]),
            background=int(data.get("background", 0)),
        )
        if "channels" in data and int(data["channels"]) != spec.channels:
            raise ValueError("channels does not match color_mode")
        return spec


def open_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open from the header only and refuse unsupported formats and bombs before any decoding."""
    if not data:
        raise ImageError("The image is empty.", code="empty_image")
    with _as_image_errors(max_pixels):
        image = Image.open(io.BytesIO(data))
    if image.format not in SUPPORTED_FORMATS:
        raise ImageError(
            f"Unsupported image format {image.format}; send JPEG, PNG, WebP, GIF, BMP or TIFF.",
            code="unsupported_image_format",
        )
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    return image


def preprocess(
    source: bytes | Image.Image, spec: InputSpec, max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode, orient, convert and resize to the spec; returns raw 0-255 float32 pixels (H, W, C).

    Normalisation lives in the model graph, so nothing here scales the values.
    """
    return to_model_input(decode(source, spec, max_pixels), spec)


def decode(
    source: bytes | Image.Image, spec: InputSpec, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Image.Image:
    """Decode the pixels, JPEGs at the smallest scale that still covers the model input."""
    image = source if isinstance(source, Image.Image) else open_image(source, max_pixels)
    with _as_image_errors(max_pixels):
        if image.format in ("JPEG", "MPO"):
            side = max(spec.height, spec.width)
            image.draft("RGB" if spec.color_mode == "RGB" else "L", (side, side))
        image.load()
    return image


def to_model_input(image: Image.Image, spec: InputSpec) -> np.ndarray:
    """Orient, convert the colour mode and resize a decoded image into model input."""
    with _as_image_errors():
        image = _apply_orientation(image)
        image = _to_color_mode(image, spec)
        if image.size != (spec.width, spec.height):
            image = image.resize((spec.width, spec.height), RESAMPLING[spec.resize])
        return np.asarray(image, dtype=np.float32).reshape(spec.shape)


@contextmanager
def _as_image_errors(max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[None]:
    """Whatever Pillow raises on hostile data becomes a coded ImageError; warnings are muted."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except Exception as exc:
        raise ImageError("The data is not a decodable image.") from exc


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation; a corrupt EXIF block leaves the pixels as stored, not an error."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image


def _to_color_mode(image: Image.Image, spec: InputSpec) -> Image.Image:
    """Bring any Pillow mode to L or RGB: 16-bit is scaled down, alpha is composited."""
    mode = image.mode
    if mode in _SIXTEEN_BIT_MODES:
        pixels = np.asarray(image).astype(np.uint32)
        image = Image.fromarray((np.clip(pixels, 0, 65535) >> 8).astype(np.uint8), "L")
    elif mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "PA":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        fill = (spec.background,) * 3 + (255,)
        canvas = Image.new("RGBA", rgba.size, fill)
        image = Image.alpha_composite(canvas, rgba).convert("RGB")
    if image.mode != spec.color_mode:
        image = image.convert(spec.color_mode)
    return image


def _too_many_pixels(max_pixels: int) -> ImageError:
    return ImageError(f"The image has more than {max_pixels} pixels.", code="image_too_many_pixels")

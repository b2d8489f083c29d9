"""Small builders for images and events, shared by the tests."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from functools import cache
from typing import Any

import numpy as np
from PIL import Image

from classifier_devtools.events import function_url_event, http_api_event, rest_api_event
from classifier_devtools.paths import EVENTS_DIR as EVENTS
from classifier_devtools.paths import ROOT

# The committed model's card: tests take its name, version and labels from here.
CARD = json.loads((ROOT / "model" / "metadata.json").read_text())
MODEL_REF = {"name": CARD["name"], "version": CARD["version"]}
# The digit class each HTTP fixture's image shows.
FIXTURE_DIGITS = {
    "http_api_v2": 7,
    "http_api_v2_jwt": 7,
    "rest_api_v1": 3,
    "function_url": 5,
    "direct": 0,
    "binary_body": 9,
}


def label(digit: int) -> str:
    """The card's label for a digit class, so no test spells the model's labels itself."""
    return CARD["labels"][digit]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def encode(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@cache
def digits() -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """All 1,797 scikit-learn digits as 8x8 PNG files, with their labels."""
    from classifier_training.data import digit_images

    images, targets = digit_images()
    return tuple(encode(i) for i in images), tuple(str(int(t)) for t in targets)


def digit_png(label: str) -> bytes:
    """The first digit image of a class."""
    images, labels = digits()
    return images[labels.index(label)]


def gray(value: int, size: tuple[int, int] = (8, 8)) -> Image.Image:
    return Image.new("L", size, value)


def quadrants(tl: int, tr: int, bl: int, br: int, side: int = 64) -> Image.Image:
    """A greyscale image with four flat quadrants, asymmetric under every flip and rotation."""
    half = side // 2
    pixels = np.zeros((side, side), dtype=np.uint8)
    pixels[:half, :half], pixels[:half, half:] = tl, tr
    pixels[half:, :half], pixels[half:, half:] = bl, br
    return Image.fromarray(pixels, "L")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )


SHAPES = {
    "http_api_v2": http_api_event,
    "function_url": function_url_event,
    "rest_api_v1": rest_api_event,
}


def json_event(document: Any, shape: str = "http_api_v2", **kwargs: Any) -> dict[str, Any]:
    return SHAPES[shape](json.dumps(document), **kwargs)


def binary_event(data: bytes, content_type: str = "image/png", **kwargs: Any) -> dict[str, Any]:
    return http_api_event(
        b64(data), headers={"content-type": content_type}, base64_encoded=True, **kwargs
    )


def read_response(response: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, document and headers of a gateway response, or of a direct invocation's dict."""
    if isinstance(response, dict) and "statusCode" in response:
        return response["statusCode"], json.loads(response["body"]), response["headers"]
    status = response["error"]["status"] if "error" in response else 200
    return status, response, {}

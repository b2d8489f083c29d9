"""The benchmark's images, made the same way every run, and the HTTP events that carry them."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from classifier_devtools.events import http_api_event

SIZES = {
    "jpeg_100x100": ((100, 100), "JPEG"),
    "jpeg_640x480": ((640, 480), "JPEG"),
    "jpeg_4000x3000": ((4000, 3000), "JPEG"),
    "png_512x512": ((512, 512), "PNG"),
}
BATCH = 16


def photo(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo-like RGB image: smooth gradients, shapes and sensor-like noise."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            128 + 100 * np.sin(x / (width / 3)),
            128 + 90 * np.cos(y / (height / 4)),
            128 + 60 * np.sin((x + y) / (width / 5)),
        ],
        axis=-1,
    )
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        radius = int(rng.integers(width // 40 + 1, width // 6 + 2))
        draw.ellipse((x0, y0, x0 + radius, y0 + radius), fill=tuple(rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(max(1, width // 800)))
    noise = rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image) + noise, 0, 255).astype(np.uint8), "RGB")


def image_bytes(name: str) -> bytes:
    size, fmt = SIZES[name]
    buffer = io.BytesIO()
    photo(size).save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def write_events(directory: Path) -> dict[str, int]:
    """One HTTP API event per image, plus a batch of 16 small JPEGs; returns the image sizes."""
    directory.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name in SIZES:
        data = image_bytes(name)
        sizes[name] = len(data)
        body = json.dumps({"image": base64.b64encode(data).decode()})
        (directory / f"{name}.json").write_text(json.dumps(http_api_event(body)))
    small = base64.b64encode(image_bytes("jpeg_100x100")).decode()
    body = json.dumps({"images": [small] * BATCH})
    (directory / "batch_16.json").write_text(json.dumps(http_api_event(body)))
    return sizes

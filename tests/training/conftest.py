"""Training-tier fixtures: a private decoded-image cache and Keras home, and small photo sets."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# Each class has its own hue and stripe direction, so a few training steps separate them.
HUES = [(220, 40, 40), (40, 200, 60), (50, 70, 230), (230, 210, 40)]


@pytest.fixture(scope="session", autouse=True)
def private_caches(tmp_path_factory):
    """Training runs here never read or fill the user's caches (~/.cache, ~/.keras)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLASSIFIER_CACHE_DIR", str(tmp_path_factory.mktemp("image-cache")))
        patch.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("keras-home")))
        yield


def photo(label: int, index: int, side: int = 48, grey: bool = False) -> bytes:
    """A noisy striped JPEG whose colour and stripe direction depend on the class."""
    rng = np.random.default_rng(label * 1000 + index)
    base = np.array(HUES[label % len(HUES)], dtype=np.float32)
    stripes = (np.arange(side) // 6 % 2).astype(np.float32) * 60
    pattern = stripes[None, :] if label % 2 else stripes[:, None]
    pixels = base + pattern[..., None] + rng.normal(0, 25, (side, side, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if grey:
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def photo_folder(root: Path, classes: int = 3, per_class: int = 20, **options) -> Path:
    for label in range(classes):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            (folder / f"{index:03d}.jpg").write_bytes(photo(label, index, **options))
    return root

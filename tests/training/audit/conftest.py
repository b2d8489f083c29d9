"""Audit fixtures: a small folder-per-class set of generated scenes, distinct photo to photo."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

HUES = [(200, 50, 50), (40, 170, 60), (50, 70, 210)]


def scene(label: int, index: int, side: int = 224) -> bytes:
    """A JPEG of random shapes over a gradient; the class sets the dominant colour."""
    rng = np.random.default_rng(label * 7919 + index)
    base = np.array(HUES[label % len(HUES)], dtype=np.float32)
    ramp = np.linspace(0, 1, side, dtype=np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    field = np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None]
    pixels = base * (0.5 + 0.5 * field[..., None])
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x, y = rng.integers(0, side, 2)
        w, h = rng.integers(side // 8, side // 2, 2)
        colour = tuple(
            int(c) for c in np.clip(base * rng.uniform(0.2, 1.6) + rng.normal(0, 30, 3), 0, 255)
        )
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((int(x), int(y), int(x + w), int(y + h)), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def scene_folder(root: Path, classes: int = 3, per_class: int = 30) -> Path:
    for label in range(classes):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            (folder / f"{index:03d}.jpg").write_bytes(scene(label, index))
    return root


@pytest.fixture
def scenes(tmp_path: Path) -> Path:
    return scene_folder(tmp_path / "scenes")


@pytest.fixture
def make_scene():
    return scene


@pytest.fixture(scope="session")
def corrupted_scenes(tmp_path_factory):
    """A corrupted copy of a generated set and its manifest, shared by the slow tests."""
    from classifier_training.audit.corruption import corrupt

    root = tmp_path_factory.mktemp("corrupted")
    manifest = corrupt(scene_folder(root / "clean", per_class=40), root / "corrupted", seed=5)
    return root / "corrupted", manifest

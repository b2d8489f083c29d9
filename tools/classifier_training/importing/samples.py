"""The images parity and evaluation use, as raw pixels from serving's own preprocessing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from classifier_training.importing.errors import ImportInputError
from image_classifier.errors import ImageError
from image_classifier.preprocessing import InputSpec, preprocess

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
GENERATED = 48


@dataclass(frozen=True)
class Samples:
    """Raw 0-255 float32 pixels (N, H, W, C); `targets` holds label indices for eval images."""

    pixels: np.ndarray
    origin: str
    targets: np.ndarray | None = None
    skipped: int = 0


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def _decode(files: list[Path], spec: InputSpec) -> tuple[list[np.ndarray], list[int]]:
    pixels, kept = [], []
    for i, file in enumerate(files):
        try:
            pixels.append(preprocess(file.read_bytes(), spec))
            kept.append(i)
        except (ImageError, OSError):
            continue
    return pixels, kept


def from_folder(folder: Path, spec: InputSpec) -> Samples:
    """Every decodable image under `folder`, any depth (--sample-dir)."""
    if not folder.is_dir():
        raise ImportInputError(f"--sample-dir {folder}: not a directory")
    files = _image_files(folder)
    pixels, kept = _decode(files, spec)
    if not pixels:
        raise ImportInputError(f"--sample-dir {folder}: no decodable images in it")
    return Samples(np.stack(pixels), f"--sample-dir {folder.name}", None, len(files) - len(kept))


def from_eval_dir(folder: Path, spec: InputSpec, labels: list[str]) -> Samples:
    """One sub-folder per class, named as the labels; images in other folders are an error."""
    if not folder.is_dir():
        raise ImportInputError(f"--eval-dir {folder}: not a directory")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    unknown = [c for c in classes if c not in labels]
    if not classes or unknown:
        raise ImportInputError(
            f"--eval-dir {folder}: needs one sub-folder per class named as a label; "
            f"{'unknown folders ' + str(unknown) if unknown else 'none found'}"
        )
    files, targets = [], []
    for name in classes:
        found = _image_files(folder / name)
        files += found
        targets += [labels.index(name)] * len(found)
    pixels, kept = _decode(files, spec)
    if not pixels:
        raise ImportInputError(f"--eval-dir {folder}: no decodable images in it")
    return Samples(
        np.stack(pixels),
        f"--eval-dir {folder.name}",
        np.asarray(targets)[kept],
        len(files) - len(kept),
    )


def generated(spec: InputSpec, count: int = GENERATED, seed: int = 0) -> Samples:
    """Noise, flat colours and gradients at the input size, when no images are given."""
    rng = np.random.default_rng(seed)
    images = []
    ramp = np.linspace(0, 255, spec.width, dtype=np.float32)
    for i in range(count):
        kind = i % 3
        array: np.ndarray
        if kind == 0:
            array = rng.integers(0, 256, (spec.height, spec.width, 3))
        elif kind == 1:
            array = np.broadcast_to(rng.integers(0, 256, 3), (spec.height, spec.width, 3))
        else:
            colour = rng.uniform(0, 1, 3)
            array = ramp[None, :, None] * colour[None, None, :] * np.ones((spec.height, 1, 1))
        images.append(Image.fromarray(np.asarray(array, dtype=np.uint8), "RGB"))
    pixels = np.stack([preprocess(image, spec) for image in images])
    return Samples(pixels, f"{count} generated images (noise, flat colours, gradients)")

"""Datasets as model-ready arrays, built through the serving package's preprocessing."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.model_selection import train_test_split

from classifier_training.errors import TrainingInputError
from image_classifier.errors import ImageError
from image_classifier.preprocessing import InputSpec, preprocess

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MIN_IMAGES_PER_CLASS = 5


@dataclass
class Dataset:
    name: str
    labels: list[str]
    x: np.ndarray
    y: np.ndarray
    skipped: int = 0

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        digest.update(np.ascontiguousarray(self.x, dtype=np.float32).tobytes())
        digest.update(np.ascontiguousarray(self.y, dtype=np.int64).tobytes())
        digest.update("\n".join(self.labels).encode())
        return digest.hexdigest()


@dataclass
class Splits:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "validation": len(self.y_val), "test": len(self.y_test)}


def digit_images() -> tuple[list[Image.Image], np.ndarray]:
    """scikit-learn's bundled 8x8 digits as real uint8 greyscale images (ink is bright)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    return [Image.fromarray(p, mode="L") for p in pixels], digits.target.astype(np.int64)


def load_digits_dataset(spec: InputSpec) -> Dataset:
    images, y = digit_images()
    x = np.stack([preprocess(image, spec) for image in images])
    return Dataset("sklearn-digits", [str(i) for i in range(10)], x, y)


def load_folder_dataset(root: Path, spec: InputSpec) -> Dataset:
    """One sub-folder per class, named by the folder; unreadable files are skipped and counted."""
    if not root.is_dir():
        raise TrainingInputError(f"data dir {root} does not exist or is not a directory")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_dirs) < 2:
        raise TrainingInputError(
            f"data dir {root} needs at least two class folders, found {len(class_dirs)}"
        )
    arrays, targets, skipped = [], [], 0
    for index, class_dir in enumerate(class_dirs):
        for path in sorted(p for p in class_dir.rglob("*") if p.is_file()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                print(f"warning: skipping {path}: not an image file name", file=sys.stderr)
                skipped += 1
                continue
            try:
                arrays.append(preprocess(path.read_bytes(), spec))
            except (ImageError, OSError) as exc:
                print(f"warning: skipping {path}: {exc}", file=sys.stderr)
                skipped += 1
                continue
            targets.append(index)
    if not arrays:
        raise TrainingInputError(f"no readable images in {root} ({skipped} files skipped)")
    labels = [d.name for d in class_dirs]
    counts = np.bincount(np.asarray(targets), minlength=len(labels))
    present = [label for label, count in zip(labels, counts, strict=True) if count > 0]
    if len(present) < 2:
        raise TrainingInputError(f"data dir {root} has readable images in fewer than two classes")
    return Dataset(root.name, labels, np.stack(arrays), np.asarray(targets), skipped)


def split(dataset: Dataset, seed: int, test_size: float = 0.15, val_size: float = 0.15) -> Splits:
    """Stratified train/validation/test split, fixed by the seed."""
    counts = np.bincount(dataset.y, minlength=len(dataset.labels))
    thin = [
        f"{label} ({count})"
        for label, count in zip(dataset.labels, counts, strict=True)
        if count < MIN_IMAGES_PER_CLASS
    ]
    if thin:
        raise TrainingInputError(
            f"classes with fewer than {MIN_IMAGES_PER_CLASS} images cannot be split into "
            f"train, validation and test: {', '.join(thin)}"
        )
    x_rest, x_test, y_rest, y_test = train_test_split(
        dataset.x, dataset.y, test_size=test_size, stratify=dataset.y, random_state=seed
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val_size / (1 - test_size), stratify=y_rest, random_state=seed
    )
    return Splits(x_train, y_train, x_val, y_val, x_test, y_test)

"""Where training images come from: a folder with one sub-folder per class, or the digits.

A `Source` lists the images and hashes their content without decoding them; the cache decodes
each once. `split_indices` makes the stratified train/validation/test split by seed.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from classifier_training.errors import TrainingInputError
from image_classifier.errors import ImageError
from image_classifier.preprocessing import InputSpec, preprocess

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MIN_IMAGES_PER_CLASS = 5


@dataclass
class Source:
    """The images of a dataset, undecoded: file paths, or in-memory images for the digits."""

    name: str
    labels: list[str]
    items: list[Path] | list[Image.Image]
    targets: np.ndarray
    content_hash: str
    skipped: int = 0
    skipped_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class Splits:
    """Row indices into the decoded images, per split."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {
            "train": len(self.train),
            "validation": len(self.validation),
            "test": len(self.test),
        }


def digit_images() -> tuple[list[Image.Image], np.ndarray]:
    """scikit-learn's bundled 8x8 digits as real uint8 greyscale images (ink is bright)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    return [Image.fromarray(p, mode="L") for p in pixels], digits.target.astype(np.int64)


def digits_source() -> Source:
    images, targets = digit_images()
    digest = hashlib.sha256()
    for image in images:
        digest.update(image.tobytes())
    digest.update(targets.tobytes())
    return Source(
        "sklearn-digits", [str(i) for i in range(10)], images, targets, digest.hexdigest()
    )


def folder_source(root: Path) -> Source:
    """One sub-folder per class, named by the folder; files without an image suffix are skipped.

    The content hash covers every image file's relative path and bytes, so renaming, editing,
    adding or removing a photo makes a new cache key.
    """
    if not root.is_dir():
        raise TrainingInputError(f"data dir {root} does not exist or is not a directory")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_dirs) < 2:
        raise TrainingInputError(
            f"data dir {root} needs at least two class folders, found {len(class_dirs)}"
        )
    paths: list[Path] = []
    targets: list[int] = []
    skipped: list[str] = []
    digest = hashlib.sha256()
    for index, class_dir in enumerate(class_dirs):
        for path in sorted(p for p in class_dir.rglob("*") if p.is_file()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                print(f"warning: skipping {path}: not an image file name", file=sys.stderr)
                skipped.append(str(path.relative_to(root)))
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
            paths.append(path)
            targets.append(index)
    if not paths:
        raise TrainingInputError(f"no readable images in {root} ({len(skipped)} files skipped)")
    labels = [d.name for d in class_dirs]
    digest.update("\n".join(labels).encode())
    return Source(
        root.name,
        labels,
        paths,
        np.asarray(targets, dtype=np.int64),
        digest.hexdigest(),
        len(skipped),
        skipped,
    )


def check_classes(labels: list[str], targets: np.ndarray) -> None:
    """At least two classes with images, and enough in each to split three ways."""
    counts = np.bincount(targets, minlength=len(labels))
    if np.count_nonzero(counts) < 2:
        raise TrainingInputError("the dataset has readable images in fewer than two classes")
    thin = [
        f"{label} ({n})"
        for label, n in zip(labels, counts, strict=True)
        if n < MIN_IMAGES_PER_CLASS
    ]
    if thin:
        raise TrainingInputError(
            f"classes with fewer than {MIN_IMAGES_PER_CLASS} images cannot be split into "
            f"train, validation and test: {', '.join(thin)}"
        )


def split_indices(
    rows: np.ndarray,
    targets: np.ndarray,
    seed: int,
    test_size: float = 0.15,
    val_size: float = 0.15,
) -> Splits:
    """Stratified train/validation/test split of `rows` (their classes in `targets`), by seed."""
    from sklearn.model_selection import train_test_split

    positions = np.arange(len(rows))
    try:
        rest, test = train_test_split(
            positions, test_size=test_size, stratify=targets, random_state=seed
        )
        train, validation = train_test_split(
            rest, test_size=val_size / (1 - test_size), stratify=targets[rest], random_state=seed
        )
    except ValueError as exc:
        raise TrainingInputError(f"cannot split the dataset: {exc}") from exc
    return Splits(np.sort(rows[train]), np.sort(rows[validation]), np.sort(rows[test]))


@dataclass
class Dataset:
    """A small dataset decoded into memory at once: for tests and tools, not for training."""

    name: str
    labels: list[str]
    x: np.ndarray
    y: np.ndarray
    skipped: int = 0


def load_folder_dataset(root: Path, spec: InputSpec) -> Dataset:
    """Every readable image of a class-folder dataset through the shared preprocessing."""
    source = folder_source(root)
    arrays, targets, skipped = [], [], source.skipped
    for path, target in zip(source.items, source.targets, strict=True):
        try:
            arrays.append(preprocess(Path(path).read_bytes(), spec))
        except (ImageError, OSError) as exc:
            print(f"warning: skipping {path}: {exc}", file=sys.stderr)
            skipped += 1
            continue
        targets.append(int(target))
    if not arrays:
        raise TrainingInputError(f"no readable images in {root} ({skipped} files skipped)")
    return Dataset(source.name, source.labels, np.stack(arrays), np.asarray(targets), skipped)

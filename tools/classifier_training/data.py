"""Where training images come from: a folder with one sub-folder per class, or the digits.

A `Source` lists the images and hashes their content without decoding them; the cache decodes
each once. `split_indices` makes the stratified train/validation/test split by seed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
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


def folder_source(root: Path, extra: Sequence[Path] = ()) -> Source:
    """One sub-folder per class, named by the folder; files without an image suffix are skipped.

    `extra` folders (a sorted review queue) add their class folders' images to the classes of
    the same name, or as new classes. The content hash covers every image file's relative path
    and bytes, so renaming, editing, adding or removing a photo makes a new cache key.
    """
    for folder in (root, *extra):
        if not folder.is_dir():
            raise TrainingInputError(f"data dir {folder} does not exist or is not a directory")
    by_label: dict[str, list[tuple[Path, Path]]] = {}
    for number, folder in enumerate((root, *extra)):
        for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            if not class_dir.name.startswith("."):
                by_label.setdefault(class_dir.name, []).append((folder, class_dir))
        if number == 0 and len(by_label) < 2:
            raise TrainingInputError(
                f"data dir {root} needs at least two class folders, found {len(by_label)}"
            )
    paths: list[Path] = []
    targets: list[int] = []
    skipped: list[str] = []
    digest = hashlib.sha256()
    labels = sorted(by_label)
    for index, label in enumerate(labels):
        for folder, class_dir in by_label[label]:
            # Extra folders' paths are named from the main one ("../review/roses/x.jpg").
            prefix = "" if folder == root else f"{os.path.relpath(folder, root)}/"
            for path in sorted(p for p in class_dir.rglob("*") if p.is_file()):
                name = prefix + path.relative_to(folder).as_posix()
                if path.suffix.lower() not in IMAGE_SUFFIXES:
                    print(f"warning: skipping {path}: not an image file name", file=sys.stderr)
                    skipped.append(name)
                    continue
                digest.update(name.encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
                paths.append(path)
                targets.append(index)
    if not paths:
        raise TrainingInputError(f"no readable images in {root} ({len(skipped)} files skipped)")
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
    groups: np.ndarray | None = None,
) -> Splits:
    """Stratified train/validation/test split of `rows` (their classes in `targets`), by seed.

    With `groups` (one id per row) each group lands whole in one split, so copies of a photo
    cannot sit on both sides; the groups are stratified by their first row's class.
    """
    from sklearn.model_selection import train_test_split

    positions = np.arange(len(rows))
    try:
        if groups is None:
            rest, test = train_test_split(
                positions, test_size=test_size, stratify=targets, random_state=seed
            )
            train, validation = train_test_split(
                rest,
                test_size=val_size / (1 - test_size),
                stratify=targets[rest],
                random_state=seed,
            )
        else:
            rest, test = _group_split(positions, targets, groups, test_size, seed)
            train, validation = _group_split(
                rest, targets, groups, val_size / (1 - test_size), seed
            )
            classes = set(targets.tolist())
            if any(set(targets[part].tolist()) != classes for part in (train, validation, test)):
                raise ValueError("the groups of copies are too large: a split would lack a class")
    except ValueError as exc:
        raise TrainingInputError(f"cannot split the dataset: {exc}") from exc
    return Splits(np.sort(rows[train]), np.sort(rows[validation]), np.sort(rows[test]))


def _group_split(
    positions: np.ndarray, targets: np.ndarray, groups: np.ndarray, size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split `positions` into (rest, held out) by whole groups, about `size` of them held out."""
    from sklearn.model_selection import train_test_split

    units, first = np.unique(groups[positions], return_index=True)
    _, held = train_test_split(
        np.arange(len(units)),
        test_size=size,
        stratify=targets[positions[first]],
        random_state=seed,
    )
    out = np.isin(groups[positions], units[held])
    return positions[~out], positions[out]


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

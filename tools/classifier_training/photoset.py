"""Grow a class-folder photo set to any size from real photos, for memory and scale tests.

Each new image is a random crop of a source photo (40-100 % of its shorter side), maybe
mirrored, with brightness, contrast and colour jitter, saved as a JPEG. The result keeps the
source's class folders, so it trains like the original, only larger.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from classifier_training.data import folder_source


def jittered(photo: Image.Image, rng: np.random.Generator, side: int) -> Image.Image:
    """One random crop, flip and colour jitter of `photo`, resized to side x side."""
    width, height = photo.size
    crop = int(min(width, height) * rng.uniform(0.4, 1.0))
    left = int(rng.integers(0, width - crop + 1))
    top = int(rng.integers(0, height - crop + 1))
    image = photo.crop((left, top, left + crop, top + crop)).resize(
        (side, side), Image.Resampling.BILINEAR
    )
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        image = enhancer(image).enhance(float(rng.uniform(0.7, 1.3)))
    return image


def make_photo_set(
    source: Path, output: Path, count: int, side: int = 200, seed: int = 0
) -> list[Path]:
    """Write `count` jittered copies into `output`, cycling through the photos in a seeded order."""
    photos = folder_source(source)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(photos))
    loaded: dict[int, Image.Image] = {}
    written = []
    for index in range(count):
        item = int(order[index % len(photos)])
        if item not in loaded:  # each source photo is decoded once, at most 2x the output side
            loaded[item] = _load(Path(photos.items[item]), 2 * side)
        label = photos.labels[int(photos.targets[item])]
        folder = output / label
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{index:06d}.jpg"
        jittered(loaded[item], rng, side).save(target, "JPEG", quality=85)
        written.append(target)
    return written


def _load(path: Path, longest: int) -> Image.Image:
    with Image.open(path) as opened:
        opened.draft("RGB", (longest, longest))
        photo = ImageOps.exif_transpose(opened).convert("RGB")
    photo.thumbnail((longest, longest), Image.Resampling.BILINEAR)
    return photo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="a class-folder photo set")
    parser.add_argument("output", type=Path, help="where the new set goes")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--side", type=int, default=200, help="square side of each new photo")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    written = make_photo_set(args.source, args.output, args.count, args.side, args.seed)
    print(f"wrote {len(written)} photos to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

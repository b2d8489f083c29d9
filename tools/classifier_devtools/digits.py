"""Write scikit-learn's digits as PNG files in one folder per class.

It gives sample images to send to the function, and a folder dataset for `train.py --data-dir`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from classifier_training.data import digit_images


def export_digits(output: Path, per_class: int | None = None, scale: int = 1) -> list[Path]:
    """Save up to `per_class` digits of each class, upscaled `scale` times with NEAREST."""
    images, targets = digit_images()
    written: list[Path] = []
    counts: dict[str, int] = {}
    for index, (image, target) in enumerate(zip(images, targets, strict=True)):
        label = str(int(target))
        if per_class is not None and counts.get(label, 0) >= per_class:
            continue
        counts[label] = counts.get(label, 0) + 1
        folder = output / label
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"digit_{index:04d}.png"
        if scale > 1:
            image = image.resize((8 * scale, 8 * scale), resample=0)
        image.save(path)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--per-class", type=int, default=None, help="default: all 1,797 images")
    parser.add_argument("--scale", type=int, default=1, help="upscale factor (NEAREST)")
    args = parser.parse_args()
    paths = export_digits(args.output, args.per_class, args.scale)
    print(f"wrote {len(paths)} PNG files under {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tiny images: photos so small that resizing them to the model input is mostly invention.

The size comes from the file's header (Pillow reads only the header, in about 0.02 ms), so this
check costs nothing beside the decode.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from classifier_training.audit.document import TINY_IMAGE, Finding

TINY_SIDE = 64  # pixels on the shorter side, or half the input side when that is smaller


def tiny_images(items: dict[int, Path], paths: list[str], input_side: int) -> list[Finding]:
    """`items` maps readable rows to their files; the smallest first."""
    limit = min(TINY_SIDE, input_side // 2)
    found = []
    for row, item in items.items():
        try:
            with Image.open(item) as image:
                width, height = image.size
        except Exception:  # decoded once already; a file changed since is not this check's
            continue
        if min(width, height) < limit:
            found.append(
                Finding(
                    TINY_IMAGE,
                    (paths[row],),
                    limit / max(1, min(width, height)),
                    f"{width}x{height} pixels, under {limit} on the shorter side",
                )
            )
    return sorted(found, key=lambda f: -f.score)

"""What the chaos run uploads: digits under the awkward keys S3 URL-encodes in its events, and
some corrupt files, so error results go through the same faults as predictions."""

from __future__ import annotations

import io
import random

SUFFIXES = (".png", ".PNG", ".bmp", ".gif")


def upload_set(count: int, seed: int) -> dict[str, bytes]:
    """Digit images under awkward keys (spaces, +, %), with a corrupt file every 25th."""
    from classifier_training.data import digit_images

    images, targets = digit_images()
    rng = random.Random(seed)
    uploads: dict[str, bytes] = {}
    for i in range(count):
        index = rng.randrange(len(images))
        suffix = SUFFIXES[i % len(SUFFIXES)]
        key = f"uploads/{i:04d} digit {int(targets[index])}+{i % 3}%{suffix}"
        if i % 25 == 24:
            uploads[key] = b"\x89PNG\r\n\x1a\n corrupt"
            continue
        buffer = io.BytesIO()
        fmt = {".png": "PNG", ".bmp": "BMP", ".gif": "GIF"}[suffix.lower()]
        images[index].save(buffer, format=fmt)
        uploads[key] = buffer.getvalue()
    return uploads

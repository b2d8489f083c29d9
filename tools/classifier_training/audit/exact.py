"""Exact duplicates: the same bytes, found by a content hash of each file (or each in-memory
image's pixels), so a copy under another name is one photo, not two."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from classifier_training.data import Source


def content_hash(item: Path | Image.Image) -> str:
    """sha256 of a file's bytes; of the mode, size and pixels of an in-memory image."""
    if isinstance(item, Image.Image):
        digest = hashlib.sha256(f"{item.mode} {item.size}".encode())
        digest.update(item.tobytes())
        return digest.hexdigest()
    try:
        return hashlib.sha256(Path(item).read_bytes()).hexdigest()
    except OSError:
        return f"unreadable:{item}"


def content_hashes(source: Source, rows: np.ndarray) -> dict[int, str]:
    """The hash of each row's item."""
    return {int(row): content_hash(source.items[int(row)]) for row in rows}


def exact_groups(hashes: dict[int, str]) -> list[list[int]]:
    """Rows that share a hash, two or more to a group, in row order."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for row in sorted(hashes):
        by_hash[hashes[row]].append(row)
    return [rows for rows in by_hash.values() if len(rows) > 1]

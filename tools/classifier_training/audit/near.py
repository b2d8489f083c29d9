"""Near duplicates: resized, recompressed or slightly cropped copies of one photo.

Two tests must agree. The embeddings' cosine similarity finds candidates: a near copy scores
0.8 or more with its original, but so do some distinct photos of one scene. A perceptual hash
of the pixels then separates them: on the flowers, every injected copy (4% crop, 80% resize,
JPEG quality 70, or all three) was within 10 of 63 bits of its original, and distinct photos
with a similarity of 0.8 or more were 14 bits or more apart (random pairs: 22 or more).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy.fft import dctn

SIMILARITY = 0.80
MAX_HASH_DISTANCE = 12  # of the 63 bits of the perceptual hash
HASH_SIDE = 32
HASH_BITS = 8  # the 8x8 lowest frequencies, without the constant term
CHUNK = 1024


@dataclass(frozen=True)
class NearPair:
    """Positions of two images in the embedding matrix, their similarity and hash distance."""

    first: int
    second: int
    similarity: float
    distance: int


def perceptual_hash(pixels: np.ndarray) -> np.ndarray:
    """The DCT hash: the signs of the lowest frequencies of a 32x32 grey thumbnail about
    their median, as 63 booleans."""
    grey = pixels.astype(np.float32).mean(axis=-1) if pixels.ndim == 3 else pixels
    small = Image.fromarray(grey.astype(np.float32), "F").resize(
        (HASH_SIDE, HASH_SIDE), Image.Resampling.BOX
    )
    coefficients = dctn(np.asarray(small, dtype=np.float64), norm="ortho")
    low = coefficients[:HASH_BITS, :HASH_BITS].ravel()[1:]
    return np.asarray(low > np.median(low))


def candidate_pairs(embeddings: np.ndarray, threshold: float = SIMILARITY) -> list[NearPair]:
    """Every pair whose cosine similarity reaches the threshold (hash distance not yet known)."""
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    unit = unit.astype(np.float32)
    pairs = []
    for start in range(0, len(unit), CHUNK):
        similarity = unit[start : start + CHUNK] @ unit.T
        rows, cols = np.nonzero(similarity >= threshold)
        for row, col in zip(rows, cols, strict=True):
            first = start + int(row)
            if first < col:
                pairs.append(NearPair(first, int(col), float(similarity[row, col]), -1))
    return pairs


def near_pairs(
    embeddings: np.ndarray,
    pixels: Callable[[np.ndarray], np.ndarray],
    threshold: float = SIMILARITY,
    max_distance: int = MAX_HASH_DISTANCE,
) -> list[NearPair]:
    """Candidate pairs whose perceptual hashes are also close; `pixels(positions)` gives the
    images at those positions of the embedding matrix."""
    candidates = candidate_pairs(embeddings, threshold)
    involved = np.array(sorted({p.first for p in candidates} | {p.second for p in candidates}))
    hashes: dict[int, np.ndarray] = {}
    for start in range(0, len(involved), 256):
        positions = involved[start : start + 256]
        for position, image in zip(positions, pixels(positions), strict=True):
            hashes[int(position)] = perceptual_hash(image)
    found = []
    for pair in candidates:
        distance = int(np.count_nonzero(hashes[pair.first] != hashes[pair.second]))
        if distance <= max_distance:
            found.append(NearPair(pair.first, pair.second, pair.similarity, distance))
    return found

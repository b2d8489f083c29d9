"""Backbone activations cached per image, so unchanged photos are never run through it again.

Each image's entry is keyed by its decoded pixels and by what produced the activations (the
backbone, the weights file's sha256, the block, the input spec), and holds one float16 array
per view (the image and its mirror image). Adding photos to a folder computes only the new ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from classifier_training.cache import ImageCache, default_cache_root

FEATURES_DIR = "features"
VIEWS = ("original", "horizontal flip")


def views(pixels: np.ndarray) -> np.ndarray:
    """(N, H, W, C) images -> (N * len(VIEWS), H, W, C), each image followed by its views."""
    return np.stack([pixels, pixels[:, :, ::-1]], axis=1).reshape(-1, *pixels.shape[1:])


class FeatureStore:
    """Activations of `produce` (a batch of raw pixels to a batch of activations), by image."""

    def __init__(self, producer: dict[str, object], root: Path | None = None) -> None:
        self.tag = hashlib.sha256(json.dumps(producer, sort_keys=True).encode()).hexdigest()[:16]
        self.directory = (root or default_cache_root()) / FEATURES_DIR / self.tag
        self.computed = 0
        self.reused = 0

    def _path(self, pixels: np.ndarray) -> Path:
        key = hashlib.sha256(pixels.tobytes()).hexdigest()[:32]
        return self.directory / key[:2] / f"{key}.npy"

    def activations(
        self,
        cache: ImageCache,
        rows: np.ndarray,
        produce: Callable[[np.ndarray], np.ndarray],
        batch: int = 32,
    ) -> np.ndarray:
        """(len(rows), len(VIEWS), *activation shape) float16, computing only what is missing."""
        out: np.ndarray | None = None
        for start in range(0, len(rows), batch):
            pixels = cache.read(rows[start : start + batch])
            paths = [self._path(p) for p in pixels]
            found = [_load(p) for p in paths]
            missing = [i for i, f in enumerate(found) if f is None]
            if missing:
                made = produce(views(pixels[missing]).astype(np.float32))
                made = made.reshape(len(missing), len(VIEWS), *made.shape[1:]).astype(np.float16)
                for i, array in zip(missing, made, strict=True):
                    _save(paths[i], array)
                    found[i] = array
                self.computed += len(missing)
            self.reused += len(pixels) - len(missing)
            if out is None:
                first = found[0]
                assert first is not None
                out = np.empty((len(rows), *first.shape), dtype=np.float16)
            out[start : start + len(pixels)] = np.stack(found)  # type: ignore[arg-type]
        assert out is not None
        return out


def _load(path: Path) -> np.ndarray | None:
    try:
        array: np.ndarray = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return array


def _save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as out:
            np.save(out, array, allow_pickle=False)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise

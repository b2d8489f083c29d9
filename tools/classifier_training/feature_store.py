"""Backbone activations cached per image and view, so unchanged photos never run through it again.

Each entry is keyed by the image's decoded pixels, the view, and what produced the activations
(the backbone, the weights file's sha256, the block, the input spec), and holds one float16
array. Adding photos to a folder computes only the new ones, and a caller that needs fewer
views (the audit: the image as it is) computes only those.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from classifier_training.cache import ImageCache, default_cache_root

FEATURES_DIR = "features"
CROP_SIDES = (0.7, 0.9)  # a crop's side, as a fraction of the image's


def _crop(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random square-ish crop resized back to the full size, mirrored half the time."""
    height, width = pixels.shape[:2]
    side = rng.uniform(*CROP_SIDES)
    h, w = max(1, round(height * side)), max(1, round(width * side))
    top, left = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    patch = pixels[top : top + h, left : left + w]
    image = Image.fromarray(patch.squeeze(-1) if patch.shape[-1] == 1 else patch)
    out = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR))
    out = out.reshape(pixels.shape)
    return out[:, ::-1] if rng.random() < 0.5 else out


VIEWS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "original": lambda pixels, rng: pixels,
    "mirror": lambda pixels, rng: pixels[:, ::-1],
    "crop": _crop,
    "second crop": _crop,
}


def view(pixels: np.ndarray, name: str) -> np.ndarray:
    """One view of one image; random views are seeded by the image and the view's name, so the
    same photo always gets the same crops."""
    seed = hashlib.sha256(name.encode() + pixels.tobytes()).digest()[:8]
    return VIEWS[name](pixels, np.random.default_rng(int.from_bytes(seed, "little")))


class FeatureStore:
    """Activations of `produce` (a batch of raw pixels to a batch of activations), by image."""

    def __init__(self, producer: dict[str, object], root: Path | None = None) -> None:
        self.tag = hashlib.sha256(json.dumps(producer, sort_keys=True).encode()).hexdigest()[:16]
        self.directory = (root or default_cache_root()) / FEATURES_DIR / self.tag
        self.computed = 0  # image-views run through `produce`
        self.reused = 0

    def _path(self, pixels: np.ndarray, name: str) -> Path:
        key = hashlib.sha256(pixels.tobytes()).hexdigest()[:32]
        return self.directory / key[:2] / f"{key}-{name.replace(' ', '_')}.npy"

    def activations(
        self,
        cache: ImageCache,
        rows: np.ndarray,
        produce: Callable[[np.ndarray], np.ndarray],
        views: tuple[str, ...] = ("original",),
        batch: int = 32,
    ) -> np.ndarray:
        """(len(rows), len(views), *activation shape) float16, computing only what is missing."""
        from tqdm import tqdm  # type: ignore[import-untyped]

        out: np.ndarray | None = None
        progress = tqdm(
            total=len(rows), desc="activations", unit="img", file=sys.stderr, mininterval=1.0
        )
        for start in range(0, len(rows), batch):
            pixels = cache.read(rows[start : start + batch])
            wanted = [(i, name) for i in range(len(pixels)) for name in views]
            paths = [self._path(pixels[i], name) for i, name in wanted]
            found = [_load(p) for p in paths]
            missing = [k for k, f in enumerate(found) if f is None]
            if missing:
                inputs = np.stack([view(pixels[wanted[k][0]], wanted[k][1]) for k in missing])
                made = produce(inputs.astype(np.float32)).astype(np.float16)
                for k, array in zip(missing, made, strict=True):
                    _save(paths[k], array)
                    found[k] = array
            self.computed += len(missing)
            self.reused += len(wanted) - len(missing)
            arrays = [a for a in found if a is not None]
            stacked = np.stack(arrays).reshape(len(pixels), len(views), *arrays[0].shape)
            if out is None:
                out = np.empty((len(rows), *stacked.shape[1:]), dtype=np.float16)
            out[start : start + len(pixels)] = stacked
            progress.update(len(pixels))
        progress.close()
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

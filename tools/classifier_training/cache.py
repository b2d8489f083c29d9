"""The decoded-image cache: every image decoded once, as uint8, in one file on disk.

Images go through the serving package's `preprocess` (the one resize path) on every core, with
a progress bar, and land at a fixed offset in `pixels.u8`. The cache is keyed by the dataset's
content hash and the input spec, so a second run on the same photos decodes nothing. Reading
uses `os.pread`, not a memory map, so the pages stay in the OS page cache and never count
towards the trainer's resident memory: peak memory does not grow with the dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifier_training.data import Source
from image_classifier.errors import ImageError
from image_classifier.preprocessing import InputSpec, preprocess

FORMAT = 1  # bump when the layout changes, so old caches are not misread
PIXELS_FILE = "pixels.u8"
INDEX_FILE = "index.npz"
META_FILE = "cache.json"
CHUNK = 64  # images per task handed to a worker
IN_PROCESS_BELOW = 256  # smaller folders decode faster than a pool starts; in-memory images too


def default_cache_root() -> Path:
    """`CLASSIFIER_CACHE_DIR`, else the user's cache folder."""
    configured = os.environ.get("CLASSIFIER_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "classifier-training"


def cache_key(content_hash: str, spec: InputSpec) -> str:
    payload = json.dumps({"content": content_hash, "input": spec.to_dict(), "format": FORMAT})
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass
class ImageCache:
    """Decoded images of one dataset at one input spec; rows are in the source's order."""

    directory: Path
    key: str
    spec: InputSpec
    ok: np.ndarray  # decoded successfully
    grey: np.ndarray  # the decoded RGB pixels have three equal channels
    targets: np.ndarray
    errors: dict[int, str]
    reused: bool = False

    @property
    def row_bytes(self) -> int:
        return self.spec.height * self.spec.width * self.spec.channels

    @property
    def rows(self) -> np.ndarray:
        """The rows that decoded, in order."""
        return np.flatnonzero(self.ok)

    def read(self, rows: np.ndarray) -> np.ndarray:
        """uint8 pixels (N, H, W, C) of the given rows, read with pread (no memory map)."""
        out = np.empty((len(rows), *self.spec.shape), dtype=np.uint8)
        size = self.row_bytes
        fd = os.open(self.directory / PIXELS_FILE, os.O_RDONLY)
        try:
            for i, row in enumerate(np.asarray(rows, dtype=np.int64)):
                out[i] = np.frombuffer(os.pread(fd, size, int(row) * size), np.uint8).reshape(
                    self.spec.shape
                )
        finally:
            os.close(fd)
        return out

    def chunks(self, rows: np.ndarray, size: int = 256) -> Any:
        """Yield the pixels of `rows` a chunk at a time, so no caller holds them all."""
        for start in range(0, len(rows), size):
            yield self.read(rows[start : start + size])


def open_or_build(source: Source, spec: InputSpec, root: Path | None = None) -> ImageCache:
    """Reuse the cache for this content and spec, or decode every image into a new one."""
    root = root or default_cache_root()
    key = cache_key(source.content_hash, spec)
    directory = root / key
    if (directory / META_FILE).is_file():
        cache = _load(directory, key, spec)
        if cache is not None:
            cache.reused = True
            return cache
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
    try:
        ok, grey, errors = _decode_all(source, spec, staging / PIXELS_FILE)
        np.savez(staging / INDEX_FILE, ok=ok, grey=grey, targets=source.targets)
        meta = {
            "key": key,
            "format": FORMAT,
            "dataset": source.name,
            "content_hash": source.content_hash,
            "input": spec.to_dict(),
            "images": len(source),
            "errors": {str(k): v for k, v in errors.items()},
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=1) + "\n")
        try:
            staging.rename(directory)
        except OSError:  # another run finished the same cache first
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    cache = _load(directory, key, spec)
    assert cache is not None
    return cache


def _load(directory: Path, key: str, spec: InputSpec) -> ImageCache | None:
    try:
        meta = json.loads((directory / META_FILE).read_text())
        index = np.load(directory / INDEX_FILE)
        ok, grey, targets = index["ok"], index["grey"], index["targets"]
        expected = len(ok) * spec.height * spec.width * spec.channels
        if meta.get("format") != FORMAT or (directory / PIXELS_FILE).stat().st_size != expected:
            return None
    except (OSError, ValueError, KeyError):
        return None
    errors = {int(k): v for k, v in meta.get("errors", {}).items()}
    return ImageCache(directory, key, spec, ok, grey, targets, errors)


def _decode_all(
    source: Source, spec: InputSpec, pixels: Path
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Decode every item into its slot of `pixels`; returns which decoded and which are grey."""
    from tqdm import tqdm

    count = len(source)
    row_bytes = spec.height * spec.width * spec.channels
    with open(pixels, "wb") as handle:
        handle.truncate(count * row_bytes)
    ok = np.zeros(count, dtype=bool)
    grey = np.zeros(count, dtype=bool)
    errors: dict[int, str] = {}
    workers = _cores()
    progress = tqdm(
        total=count, desc="decode", unit="img", file=sys.stderr, mininterval=1.0, leave=True
    )
    with progress:
        files = bool(source.items) and isinstance(source.items[0], Path)
        if count < IN_PROCESS_BELOW or workers == 1 or not files:
            tasks = [_decode_chunk(str(pixels), spec, list(enumerate(source.items)))]
            results = iter(tasks)
            progress.update(count)
        else:
            items = [(i, str(p) if isinstance(p, Path) else p) for i, p in enumerate(source.items)]
            chunks = [items[i : i + CHUNK] for i in range(0, count, CHUNK)]
            import multiprocessing

            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            with pool:
                futures = [pool.submit(_decode_chunk, str(pixels), spec, c) for c in chunks]
                collected = []
                for future in futures:
                    collected.append(future.result())
                    progress.update(len(collected[-1]))
                results = iter(collected)
        for chunk in results:
            for index, decoded, is_grey, error in chunk:
                ok[index], grey[index] = decoded, is_grey
                if error:
                    errors[index] = error
    return ok, grey, errors


def _decode_chunk(
    pixels: str, spec: InputSpec, items: list[tuple[int, Any]]
) -> list[tuple[int, bool, bool, str]]:
    """Decode a chunk of (row, path or image) into the pixels file; one result per row."""
    row_bytes = spec.height * spec.width * spec.channels
    results = []
    fd = os.open(pixels, os.O_WRONLY)
    try:
        for index, item in items:
            try:
                data = Path(item).read_bytes() if isinstance(item, (str, Path)) else item
                array = preprocess(data, spec).astype(np.uint8)
            except (ImageError, OSError) as exc:
                results.append((index, False, False, str(exc)))
                continue
            is_grey = spec.channels == 3 and bool(
                np.array_equal(array[..., 0], array[..., 1])
                and np.array_equal(array[..., 1], array[..., 2])
            )
            os.pwrite(fd, array.tobytes(), index * row_bytes)
            results.append((index, True, is_grey, ""))
    finally:
        os.close(fd)
    return results


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)

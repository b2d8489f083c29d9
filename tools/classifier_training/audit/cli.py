"""Audit a folder-per-class image set before training (scripts/audit.py DATA_DIR --output DIR).

Writes DIR/audit.json, DIR/audit.md with thumbnails and DIR/label_issues.png. Exit 0 when the
audit ran, whatever it found; 1 with --strict when there are findings; 2 for bad usage.
--manifest scores the findings against a corrupted set's manifest (make_corrupted_set.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from classifier_training.audit.corruption import Manifest
from classifier_training.errors import TrainingInputError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, help="one sub-folder of images per class")
    parser.add_argument("--output", type=Path, required=True, help="folder for the report")
    parser.add_argument("--strict", action="store_true", help="exit 1 when anything is found")
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="files only: no near duplicates, no label issues (no backbone run)",
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="as train.py's")
    parser.add_argument("--seed", type=int, default=42, help="the label check's folds")
    parser.add_argument("--manifest", type=Path, default=None, help="print recall against it")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    from classifier_training.audit.embed import Embedder, decoded
    from classifier_training.audit.recall import score
    from classifier_training.audit.report import write_report
    from classifier_training.audit.run import audit, display_paths
    from classifier_training.data import folder_source

    manifest = _manifest(args.manifest)
    started = time.perf_counter()
    source = folder_source(args.data_dir)
    cache = decoded(source, args.cache_dir)
    embedder = None if args.no_embeddings else Embedder(cache)
    result = audit(source, cache, args.data_dir, embedder, args.seed)
    seconds = time.perf_counter() - started
    rows = {path: row for row, path in enumerate(display_paths(source, args.data_dir))}

    def pixels(path: str) -> np.ndarray | None:
        row = rows.get(path)
        if row is None or not cache.ok[row]:
            return None
        image: np.ndarray = cache.read(np.array([row]))[0]
        return image

    write_report(args.output, result.document, pixels, seconds)
    counts = ", ".join(f"{n} {kind}" for kind, n in result.document.counts().items() if n)
    print(
        f"{result.document.files} files, {result.document.images} images: "
        f"{counts or 'no findings'} in {seconds:.1f} s"
    )
    if embedder is not None:
        print(f"activations: {embedder.computed} images computed, {embedder.reused} reused")
    print(f"report: {args.output / 'audit.md'}")
    if manifest is not None:
        print("\n".join(score(result.document, manifest).lines()))
    return 1 if args.strict and result.document.findings else 0


def _manifest(path: Path | None) -> Manifest | None:
    if path is None:
        return None
    try:
        return Manifest.read(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TrainingInputError(f"--manifest {path}: not a corruption manifest") from exc


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except TrainingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

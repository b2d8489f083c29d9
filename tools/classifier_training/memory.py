"""Peak memory of a training run against dataset size: does it stay flat as photos grow?

`python -m classifier_training.memory SOURCE` grows SOURCE (a class-folder photo set) to each
--counts size with the photo-set generator, trains one short epoch on each through
scripts/train.py in a child process, and prints the child's peak resident memory (ru_maxrss from
wait4). A small CNN (--filters 4) keeps the epoch short: the model's memory does not depend on
the dataset, the data path (decode, cache, streaming, baselines, evaluation) is what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifier_training.photoset import make_photo_set

ROOT = Path(__file__).resolve().parents[2]


def peak_rss_mb(data_dir: Path, work: Path, size: int, extra: list[str]) -> tuple[float, float]:
    """Train once on `data_dir` in a child; returns its peak RSS in MB and its wall seconds."""
    command = [
        sys.executable,
        str(ROOT / "scripts" / "train.py"),
        "--data-dir", str(data_dir),
        "--image-size", str(size),
        "--epochs", "1",
        "--filters", "4",
        "--cache-dir", str(work / "cache"),
        "--output", str(work / f"model-{data_dir.name}"),
        *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    with open(work / f"{data_dir.name}.log", "w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"training on {data_dir} failed; see {work / data_dir.name}.log")
    return usage.ru_maxrss / 1024, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="real photos, one sub-folder per class")
    parser.add_argument("--counts", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--image-size", type=int, default=160)
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temporary dir")
    args, extra = parser.parse_known_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="train-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for count in args.counts:
        data_dir = work / f"photos-{count}"
        if not data_dir.exists():
            make_photo_set(args.source, data_dir, count)
        peak, seconds = peak_rss_mb(data_dir, work, args.image_size, extra)
        results.append({"images": count, "peak_rss_mb": round(peak, 1), "seconds": round(seconds)})
        print(f"{count:>7} images: peak RSS {peak:7.1f} MB, {seconds:5.0f} s", flush=True)
    if len(results) > 1:
        growth = results[-1]["peak_rss_mb"] - results[0]["peak_rss_mb"]
        print(f"growth from {results[0]['images']} to {results[-1]['images']}: {growth:+.1f} MB")
    (work / "memory.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"figures in {work / 'memory.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark this project against a TensorFlow/Keras handler and a LiteRT handler.

Everything runs in one go on this machine, each figure twice: pinned to one CPU with
`taskset -c 0` (Lambda at or below 1769 MB) and unpinned. Writes BENCHMARKS.md, the chart
and the raw results.
The headline figures are ratios between systems measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier_bench.images import write_events
from classifier_bench.machine import machine
from classifier_bench.measure import FULL, PLACEMENTS, QUICK, bench_model, throughput_rates
from classifier_bench.models import PHOTO_MODELS, bench_models
from classifier_bench.package_sizes import package_sizes
from classifier_bench.processes import log
from classifier_bench.report.chart import write_chart
from classifier_bench.report.markdown import write_markdown
from classifier_bench.results import CHART, RESULTS_FILE, Results
from classifier_devtools.paths import ROOT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few iterations, pinned only, the photo model only, no package sizes",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        help="a subset of: " + ", ".join(m.name for m in bench_models()),
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=ROOT,
        help="writes BENCHMARKS.md there and the raw results under tools/classifier_bench/results/",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    events = workdir / "events"
    image_sizes = write_events(events)
    notes = []
    litert = importlib.util.find_spec("ai_edge_litert") is not None
    if not litert:
        notes.append("LiteRT (ai-edge-litert) is not installed here, so it has no figures.")
    placements = {"pinned": True} if args.quick else PLACEMENTS
    effort = QUICK if args.quick else FULL
    names = args.models or (list(PHOTO_MODELS) if args.quick else None)
    models = bench_models(names)
    log("machine throughput: GEMM and depthwise convolution through onnxruntime")
    rates = {placement: throughput_rates(pinned) for placement, pinned in placements.items()}
    per_model = {
        model.name: bench_model(model, workdir, events, effort, placements, litert)
        for model in models
    }
    if args.quick:
        sizes: dict[str, dict[str, Any]] = {}
        notes.append("Quick mode: package sizes were not measured.")
    else:
        log("package sizes")
        sizes = package_sizes(workdir)
    results = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "quick": args.quick,
        "load_average_at_start": os.getloadavg()[0],
        "image_bytes": image_sizes,
        "rates": rates,
        "models": per_model,
        "packages": sizes,
        "notes": notes,
        "seconds": time.perf_counter() - started,
    }
    shutil.rmtree(workdir, ignore_errors=True)
    raw = args.output_dir / RESULTS_FILE
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(results, indent=2) + "\n")
    typed = Results.load(raw)  # rendered as `python -m classifier_bench.report` would
    write_chart(typed, args.output_dir / CHART)
    markdown = write_markdown(typed, args.output_dir / "BENCHMARKS.md")
    print(markdown)
    log(f"done in {results['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Re-render BENCHMARKS.md and its chart from a saved results file, without measuring again.

`python -m classifier_bench.report [RESULTS_JSON] [--output-dir DIR]`; the defaults are the
committed results and the checkout's root, so an edit to the report's wording or layout can
be published without a 15-minute run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from classifier_bench.json_fields import FieldError
from classifier_bench.report.chart import write_chart
from classifier_bench.report.markdown import write_markdown
from classifier_bench.results import CHART, RESULTS_FILE, Results
from classifier_devtools.paths import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, nargs="?", default=ROOT / RESULTS_FILE)
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=ROOT,
        help="writes BENCHMARKS.md there and the chart under tools/classifier_bench/results/",
    )
    parser.add_argument("--no-chart", action="store_true", help="write BENCHMARKS.md only")
    args = parser.parse_args(argv)
    try:
        results = Results.load(args.results)
    except FieldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_markdown(results, args.output_dir / "BENCHMARKS.md")
    if not args.no_chart:
        (args.output_dir / CHART).parent.mkdir(parents=True, exist_ok=True)
        write_chart(results, args.output_dir / CHART)
    return 0


if __name__ == "__main__":
    sys.exit(main())

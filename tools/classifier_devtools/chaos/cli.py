"""The chaos run's command line (scripts/chaos.py, `make chaos`): it only parses, keeps the
function's log lines out of the counts, and exits 1 unless nothing was lost or doubled."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from pathlib import Path

from classifier_devtools import chaos
from classifier_devtools.chaos.run import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=chaos.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--throttle-rate", type=float, default=0.1, help="per S3 request")
    parser.add_argument("--error-rate", type=float, default=0.3, help="per Get/PutObject")
    parser.add_argument("--repeat-rate", type=float, default=0.02, help="S3 re-deliveries")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--endpoint", default=None, help="a running moto server (default: own)")
    parser.add_argument("--log", type=Path, default=None, help="the function's log lines")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with (args.log or Path(os.devnull)).open("w") as log, contextlib.redirect_stdout(log):
        report = run(
            args.uploads,
            throttle_rate=args.throttle_rate,
            error_rate=args.error_rate,
            repeat_rate=args.repeat_rate,
            seed=args.seed,
            endpoint=args.endpoint,
        )
    print("\n".join(report.lines()))
    print("OK: nothing lost, nothing duplicated" if report.ok else "FAILED")
    return 0 if report.ok else 1

"""Cold-start cost of the Lambda root: `import handler` in fresh processes, pinned to one core.

`import handler` is the whole init phase (imports, model load, warm-up), so its median is the
figure a cold start pays before the first request. A second set of runs under
`python -X importtime` attributes part of it to named packages (Powertools by default), because
the total alone cannot tell a new dependency's cost from the machine's noise.

    python -m classifier_bench.import_cost --runs 9
    python -m classifier_bench.import_cost --root /tmp/before --root .  # interleaved checkouts
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from classifier_devtools.paths import ROOT

TIMED = (
    "import time; started = time.perf_counter(); import handler; "
    "print(time.perf_counter() - started)"
)
DEFAULT_PACKAGES = ("aws_lambda_powertools",)


def _command(core: int | None, *python_args: str) -> list[str]:
    command = [sys.executable, *python_args]
    return ["taskset", "-c", str(core), *command] if core is not None else command


def _environment() -> dict[str, str]:
    """No AWS variables (nothing must reach AWS) and no bytecode writes between runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def time_handler_import(core: int | None, root: Path = ROOT) -> float:
    """Seconds from before `import handler` to after it, in a fresh interpreter."""
    result = subprocess.run(
        _command(core, "-c", TIMED),
        cwd=root,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(result.stdout.strip().splitlines()[-1])


def package_import_us(importtime_log: str, packages: Sequence[str]) -> dict[str, int]:
    """Cumulative microseconds of each package's outermost imports in `-X importtime` output.

    Lines are `import time: self | cumulative | <indent>name`, children before their parent, so
    an import is outermost for a package when its nearest enclosing import is not the package's.
    """
    entries: list[tuple[int, int, str]] = []
    for line in importtime_log.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative_us, name = line.split("|", 2)
        if not cumulative_us.strip().isdigit():
            continue
        stripped = name.lstrip()
        entries.append((len(name) - len(stripped), int(cumulative_us), stripped))
    totals = dict.fromkeys(packages, 0)
    for index, (depth, cumulative, name) in enumerate(entries):
        package = _package_of(name, packages)
        if package is None:
            continue
        parent = next((e for e in entries[index + 1 :] if e[0] < depth), None)
        if parent is None or _package_of(parent[2], packages) != package:
            totals[package] += cumulative
    return totals


def _package_of(module: str, packages: Sequence[str]) -> str | None:
    return next((p for p in packages if module == p or module.startswith(p + ".")), None)


def attribute_imports(
    core: int | None, packages: Sequence[str], root: Path = ROOT
) -> dict[str, int]:
    result = subprocess.run(
        _command(core, "-X", "importtime", "-c", "import handler"),
        cwd=root,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return package_import_us(result.stderr, packages)


def measure(
    runs: int, core: int | None, packages: Sequence[str], roots: Sequence[Path] = (ROOT,)
) -> dict[str, object]:
    """Interleaves roots, and timed with attributed runs, so all see the same machine load."""
    totals: dict[Path, list[float]] = {root: [] for root in roots}
    shares: dict[Path, dict[str, list[int]]] = {root: {p: [] for p in packages} for root in roots}
    for _ in range(runs):
        for root in roots:
            totals[root].append(time_handler_import(core, root))
            for package, micros in attribute_imports(core, packages, root).items():
                shares[root][package].append(micros)
    return {
        "runs": runs,
        "core": core,
        "checkouts": {
            str(root): {
                "import_handler_ms": {
                    "median": round(statistics.median(totals[root]) * 1000, 1),
                    "min": round(min(totals[root]) * 1000, 1),
                    "max": round(max(totals[root]) * 1000, 1),
                },
                "package_import_ms_median": {
                    p: round(statistics.median(v) / 1000, 1) for p, v in shares[root].items()
                },
            }
            for root in roots
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per figure")
    parser.add_argument("--core", type=int, default=0, help="CPU to pin to; -1 for none")
    parser.add_argument("--package", action="append", help="attribute this package's imports")
    parser.add_argument(
        "--root", action="append", type=Path, help="a checkout holding handler.py (repeatable)"
    )
    args = parser.parse_args(argv)
    core = None if args.core < 0 else args.core
    roots = [root.resolve() for root in args.root or [ROOT]]
    report = measure(args.runs, core, tuple(args.package or DEFAULT_PACKAGES), roots)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

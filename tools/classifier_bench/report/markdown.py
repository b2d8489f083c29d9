"""BENCHMARKS.md: the run's setting, then each section in the order a reader needs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from classifier_bench.report import details, tables
from classifier_bench.report.targets import targets_section
from classifier_bench.results import CHART, Results
from classifier_bench.verdicts import HEADLINE, target_rows

OPTIMISATIONS = Path(__file__).resolve().parents[1] / "OPTIMISATIONS.md"
# The default model, served by `sls package` as it is; every other model is a photo model.
DEFAULT_MODEL = "digits"


def render(results: Results) -> str:
    return "\n".join(_sections(results)) + "\n"


def write_markdown(results: Results, path: Path) -> str:
    text = render(results)
    path.write_text(text, encoding="utf-8")
    return text


def _sections(results: Results) -> Iterator[str]:
    yield from _introduction(results)
    yield from tables.glance(results)
    if HEADLINE in results.models:
        yield from targets_section(results, target_rows(results))
    yield from tables.costs(results)
    for name, model in results.models.items():
        if model.tuning:
            yield from tables.tuning(name, model)
    yield from tables.int8(results)
    yield from tables.fairness(results)
    yield from details.details(results)
    yield from tables.packages(results)
    if OPTIMISATIONS.exists():
        yield ""
        yield OPTIMISATIONS.read_text(encoding="utf-8").strip()
    yield ""
    yield f"![benchmarks]({CHART})"


def _introduction(results: Results) -> Iterator[str]:
    machine = results.machine
    load, cores = results.load_average_at_start, int(machine.cores)
    yield "# Benchmarks"
    yield ""
    yield (
        f"One run of `make bench` ({results.seconds:.0f} s) on {machine.cpu_facts}, "
        f"{machine.cores} cores, {machine.memory}, {machine.os}, Python "
        f"{machine.python}, onnxruntime {machine.onnxruntime}, numpy "
        f"{machine.numpy}, Pillow {machine.pillow}; {results.created_at}; load "
        f"average {load:.1f} when it started."
    )
    yield ""
    yield (
        "Each implementation serves the same handler contract (the project's event "
        "parsing, decoding, preprocessing and JSON) with the same weights; only the "
        "inference engine differs. *pinned* runs under `taskset -c 0` with one inference "
        "thread, as a Lambda function at or below 1769 MB sees it; *unpinned* uses both "
        "cores (this project then uses two threads, as it does at 3538 MB and above). "
        "Ratios compare systems measured in the same run; absolute times are secondary."
    )
    yield ""
    yield _models(results)
    if load > cores:
        yield (
            f"\n> The machine was busy when this run started (load average {load:.1f} on "
            f"{cores} cores): absolute times are inflated and ratios are noisy."
        )
    for note in results.notes:
        yield f"\n> {note}"
    yield ""


def _models(results: Results) -> str:
    """Names each photo model with its input size, then the default model if it ran."""
    photo = [
        f"`{name}` at {model.card.height}×{model.card.width}"
        for name, model in results.models.items()
        if name != DEFAULT_MODEL
    ]
    parts = []
    if photo:
        listed = " and ".join([", ".join(photo[:-1]), photo[-1]] if len(photo) > 1 else photo)
        together = {1: "", 2: "both "}.get(len(photo), "all ")
        parts.append(
            f"{listed}, {together}trained on the flowers photos by the default photo recipe "
            "(`make bench-models`, committed under `tools/classifier_bench/models/` with its "
            "int8 graphs)"
        )
    if DEFAULT_MODEL in results.models:
        parts.append("the default 8×8 digits model")
    return "Models: " + ", and ".join(parts) + "."

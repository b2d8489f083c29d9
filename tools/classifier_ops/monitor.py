"""Drift report: live results against the model card's test set, as markdown with PNG plots.

    python scripts/monitor.py --bucket my-uploads --prefix results/ --out drift-report
    python scripts/monitor.py --folder ./results --card model/metadata.json

Reads the S3 trigger's result objects, groups them by model version, and compares only the
card's own version with the card: results of another version are reported apart, never mixed,
because the card describes one model. Exit code 0 when every check passes, 1 when a threshold
is crossed (for a scheduled job or CI to act on), 2 when there is nothing to judge.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier_ops import drift_plots
from classifier_ops.drift import (
    NO_VERSION,
    Comparison,
    Reference,
    Thresholds,
    VersionSummary,
    compare,
    summarise,
)
from classifier_ops.result_objects import ResultSet, read_folder, read_s3

PASSED, FAILED = 0, 1
NOTHING_TO_JUDGE = 2


@dataclass
class Report:
    markdown: str
    comparison: Comparison | None
    pictures: list[Path]

    @property
    def exit_code(self) -> int:
        if self.comparison is None:
            return NOTHING_TO_JUDGE
        return FAILED if self.comparison.failed else PASSED


def build_report(
    results: ResultSet, card: dict[str, Any], limits: Thresholds, out_dir: Path
) -> Report:
    """Writes the PNGs into out_dir and returns the markdown that links them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reference = Reference.from_card(card)
    groups = summarise(results.documents)
    title = f"{reference.name} {reference.version}"
    lines = [
        "# Drift report",
        "",
        f"- results: `{results.origin}`, {len(results.documents)} objects"
        + (f", {results.unreadable} unreadable" if results.unreadable else ""),
        f"- card: {title}",
        f"- made: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- thresholds: {_thresholds(limits)}",
        "",
    ]
    comparison, pictures = None, []
    own = groups.get(reference.key)
    if own is None or not own.classified:
        lines += [f"## {title}: no results", "", "No classified result of the card's version.", ""]
    else:
        comparison = compare(own, reference, limits)
        pictures = _pictures(own, reference, comparison, limits, title, out_dir)
        lines += _version_section(own, comparison, pictures, title)
    others = [g for key, g in sorted(groups.items()) if key not in (reference.key, NO_VERSION)]
    if others:
        lines += _other_versions(others, limits)
    if NO_VERSION in groups:
        errors = groups[NO_VERSION].errors
        lines += ["## Error results (they name no model version)", "", *_errors(errors), ""]
    return Report("\n".join(lines), comparison, pictures)


def _pictures(
    summary: VersionSummary,
    reference: Reference,
    comparison: Comparison,
    limits: Thresholds,
    title: str,
    out_dir: Path,
) -> list[Path]:
    pictures = [
        drift_plots.label_shares(comparison, title, out_dir / "labels.png"),
        drift_plots.top_scores(
            summary, reference, comparison, limits.min_confidence, title, out_dir / "top_scores.png"
        ),
    ]
    inputs = drift_plots.images(summary, reference, title, out_dir / "images.png")
    return pictures + ([inputs] if inputs else [])


def _version_section(
    summary: VersionSummary, comparison: Comparison, pictures: list[Path], title: str
) -> list[str]:
    verdict = "FAIL" if comparison.failed else "pass"
    lines = [
        f"## {title} (the card's version): {verdict}",
        "",
        f"{summary.classified} classified results"
        + (f", {sum(summary.errors.values())} error results" if summary.errors else "")
        + ".",
        "",
    ]
    if comparison.checks:
        lines += ["| check | value | limit | result |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {c.name} | {c.value:.4g} | {c.limit:g} | {'FAIL' if c.failed else 'pass'}: "
            f"{c.reading} |"
            for c in comparison.checks
        ]
        lines.append("")
    figures = _figures(comparison)
    if figures:
        lines += [f"- {figure}" for figure in figures] + [""]
    lines += [f"- {note}" for note in comparison.notes] + [""]
    lines += ["| label | test share | live share | live count |", "| --- | --- | --- | --- |"]
    for label in comparison.labels:
        test = comparison.reference_share.get(label)
        lines.append(
            f"| {label} | {'-' if test is None else f'{test:.1%}'} | "
            f"{comparison.live_share[label]:.1%} | {summary.labels[label]} |"
        )
    lines.append("")
    lines += [f"![{p.stem}]({p.name})" for p in pictures] + [""]
    if summary.formats:
        lines += [f"Image formats: {_counts(summary.formats)}.", ""]
    if summary.pixels:
        areas = [w * h for w, h in summary.pixels]
        median = summary.pixels[areas.index(sorted(areas)[len(areas) // 2])]
        lines += [f"Median image: {median[0]}x{median[1]} px.", ""]
    if summary.errors:
        lines += ["Errors by code:", "", *_errors(summary.errors), ""]
    return lines


def _figures(comparison: Comparison) -> list[str]:
    figures = []
    if comparison.label_psi is not None and comparison.chi_square_p is not None:
        figures.append(
            f"predicted labels: PSI {comparison.label_psi:.3f}, chi-square "
            f"{comparison.chi_square:.1f} (p = {comparison.chi_square_p:.3g})"
        )
    if comparison.score_psi is not None and comparison.score_ks_p is not None:
        figures.append(
            f"top scores: PSI {comparison.score_psi:.3f}, Kolmogorov-Smirnov p = "
            f"{comparison.score_ks_p:.3g}"
        )
    test = comparison.test_low_confidence
    figures.append(
        f"low-confidence rate: {comparison.live_low_confidence:.1%} live"
        + ("" if test is None else f", {test:.1%} on the test set")
    )
    return figures


def _other_versions(groups: list[VersionSummary], limits: Thresholds) -> list[str]:
    lines = [
        "## Other model versions (reported apart, not compared with this card)",
        "",
        "| model | version | classified | errors | median top score | low confidence | "
        "most predicted |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for group in groups:
        median = f"{statistics.median(group.top_scores):.3f}" if group.top_scores else "-"
        low = group.low_confidence_rate(limits.min_confidence) if group.top_scores else None
        lines.append(
            f"| {group.name} | {group.version} | {group.classified} | "
            f"{sum(group.errors.values())} | {median} | "
            f"{'-' if low is None else f'{low:.1%}'} | {_counts(group.labels, 3)} |"
        )
    return [*lines, ""]


def _errors(errors: dict[str, int]) -> list[str]:
    return [f"- `{code}`: {count}" for code, count in sorted(errors.items())]


def _counts(counter: dict[str, int], top: int | None = None) -> str:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:top]
    return ", ".join(f"{name} {count}" for name, count in ranked)


def _thresholds(limits: Thresholds) -> str:
    return (
        f"label PSI > {limits.label_psi}, chi-square p < {limits.chi_square_p}, top-score PSI > "
        f"{limits.score_psi}, low-confidence rate (< {limits.min_confidence}) more than "
        f"{limits.low_confidence_increase:.0%} above the test set's; at least "
        f"{limits.min_results} results"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--bucket", help="read result objects from this S3 bucket")
    source.add_argument("--folder", type=Path, help="read result JSON files from this folder")
    parser.add_argument("--prefix", default="results/", help="S3 key prefix of the results")
    parser.add_argument("--card", type=Path, default=Path("model/metadata.json"))
    parser.add_argument("--out", type=Path, default=Path("drift-report"))
    defaults = Thresholds()
    for name, value in vars(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        card = json.loads(args.card.read_text())
    except (OSError, ValueError) as exc:
        print(f"cannot read the model card {args.card}: {exc}", file=sys.stderr)
        return NOTHING_TO_JUDGE
    results = read_s3(args.bucket, args.prefix) if args.bucket else read_folder(args.folder)
    limits = Thresholds(**{name: getattr(args, name) for name in vars(Thresholds())})
    report = build_report(results, card, limits, args.out)
    (args.out / "report.md").write_text(report.markdown + "\n")
    comparison = report.comparison
    for check in comparison.checks if comparison else []:
        print(f"{'FAIL' if check.failed else 'pass'}  {check.name}: {check.reading}")
    print(f"report: {args.out / 'report.md'} (exit {report.exit_code})")
    return report.exit_code

"""Live predictions against the model card's test set: the statistics behind the drift report.

The reference comes from the card (model/metadata.json). The class distribution is read from
`monitoring.test_class_counts`, else `dataset.class_counts`, else the test set's per-class
`support` in `metrics.per_class`. Top scores come from `monitoring.test_top_scores`.
Whatever is missing is said in the report and its checks are skipped, never guessed.

Population stability index: PSI = sum over bins of (live - ref) * ln(live / ref), on
proportions, with empty bins floored at 1e-4. The usual reading: under 0.1 stable, 0.1-0.2 a
moderate shift, over 0.2 a significant one. The chi-square goodness-of-fit test asks whether
the live label counts could come from the test-set proportions; with many results it flags
small shifts too, which is why PSI (an effect size) is checked beside it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats  # scipy ships no type hints

from image_classifier.result_document import ResultDocument

PSI_FLOOR = 1e-4
NO_VERSION = ("", "")


@dataclass(frozen=True)
class Thresholds:
    """A check fails past its limit; the defaults follow the PSI reading above."""

    label_psi: float = 0.2
    chi_square_p: float = 0.001
    score_psi: float = 0.2
    low_confidence_increase: float = 0.05
    min_confidence: float = 0.5
    min_results: int = 50


@dataclass
class Reference:
    name: str
    version: str
    labels: list[str]
    class_counts: dict[str, int] | None
    class_source: str | None
    top_scores: list[float] | None
    synthetic: bool = False
    input_size: str | None = None

    @classmethod
    def from_card(cls, metadata: dict[str, Any]) -> Reference:
        labels = [str(label) for label in metadata.get("labels") or []]
        monitoring = metadata.get("monitoring") or {}
        counts, source = None, None
        candidates = [
            ("monitoring.test_class_counts", monitoring.get("test_class_counts")),
            ("dataset.class_counts", (metadata.get("dataset") or {}).get("class_counts")),
            ("metrics.per_class support", _support(metadata)),
        ]
        for name, value in candidates:
            if isinstance(value, dict) and value and sum(value.values()) > 0:
                counts, source = {str(k): int(v) for k, v in value.items()}, name
                break
        scores = monitoring.get("test_top_scores")
        return cls(
            name=str(metadata.get("name", "")),
            version=str(metadata.get("version", "")),
            labels=labels or sorted(counts or {}),
            class_counts=counts,
            class_source=source,
            top_scores=[float(s) for s in scores] if scores else None,
            synthetic=bool(monitoring.get("synthetic")),
            input_size=_input_size(metadata),
        )

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.version)


def _input_size(metadata: dict[str, Any]) -> str | None:
    spec = metadata.get("input") or {}
    width, height = spec.get("width"), spec.get("height")
    return f"{width}x{height}" if width and height else None


def _support(metadata: dict[str, Any]) -> dict[str, int] | None:
    per_class = (metadata.get("metrics") or {}).get("per_class")
    if not isinstance(per_class, dict):
        return None
    support = {k: v.get("support") for k, v in per_class.items() if isinstance(v, dict)}
    return {k: int(v) for k, v in support.items() if isinstance(v, int | float)} or None


@dataclass
class VersionSummary:
    """What one model version answered: results with predictions and error results apart."""

    name: str
    version: str
    labels: Counter[str] = field(default_factory=Counter)
    top_scores: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    pixels: list[tuple[int, int]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    @property
    def classified(self) -> int:
        return len(self.top_scores)

    def low_confidence_rate(self, min_confidence: float) -> float:
        return _rate_below(self.top_scores, min_confidence)


def summarise(documents: Iterable[ResultDocument]) -> dict[tuple[str, str], VersionSummary]:
    """Grouped by (model name, version); error results, which name no model, go under ("", "")."""
    groups: dict[tuple[str, str], VersionSummary] = {}
    for document in documents:
        model = document.model
        key = (model.name, model.version) if model else NO_VERSION
        summary = groups.setdefault(key, VersionSummary(*key))
        if document.error is not None:
            summary.errors[document.error.code] += 1
        elif document.top is not None:
            summary.labels[document.top.label] += 1
            summary.top_scores.append(document.top.score)
        if document.image is not None:
            summary.formats[str(document.image.format)] += 1
            summary.pixels.append((document.image.width, document.image.height))
        if document.source.size is not None:
            summary.sizes.append(document.source.size)
    return groups


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    limit: float
    failed: bool
    reading: str


@dataclass
class Comparison:
    """One version's results against the card: figures for the report, and the checks."""

    labels: list[str]
    reference_share: dict[str, float]
    live_share: dict[str, float]
    label_psi: float | None = None
    chi_square: float | None = None
    chi_square_p: float | None = None
    score_psi: float | None = None
    score_ks_p: float | None = None
    live_low_confidence: float = 0.0
    test_low_confidence: float | None = None
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(check.failed for check in self.checks)


def compare(summary: VersionSummary, reference: Reference, limits: Thresholds) -> Comparison:
    labels = list(reference.labels) or sorted(summary.labels)
    extra = sorted(set(summary.labels) - set(labels))
    labels += extra
    live_total = max(summary.classified, 1)
    comparison = Comparison(
        labels=labels,
        reference_share={},
        live_share={label: summary.labels[label] / live_total for label in labels},
        live_low_confidence=summary.low_confidence_rate(limits.min_confidence),
    )
    notes = comparison.notes
    if extra:
        notes.append(f"labels the card does not list: {', '.join(extra)}")
    if summary.classified < limits.min_results:
        notes.append(
            f"only {summary.classified} classified results (fewer than {limits.min_results}): "
            "too few to judge, no check is applied"
        )
        return comparison
    _compare_labels(summary, reference, limits, comparison)
    _compare_scores(summary, reference, limits, comparison)
    return comparison


def _compare_labels(
    summary: VersionSummary, reference: Reference, limits: Thresholds, comparison: Comparison
) -> None:
    if reference.class_counts is None:
        comparison.notes.append(
            "the card records no test-set class distribution (monitoring.test_class_counts): "
            "the label checks are skipped"
        )
        return
    labels = comparison.labels
    total = sum(reference.class_counts.values())
    comparison.reference_share = {
        label: reference.class_counts.get(label, 0) / total for label in labels
    }
    expected = np.array([comparison.reference_share[label] for label in labels])
    observed = np.array([summary.labels[label] for label in labels], dtype=float)
    comparison.label_psi = psi(expected, observed / observed.sum())
    comparison.chi_square, comparison.chi_square_p = chi_square(observed, expected)
    comparison.checks += [
        Check(
            "predicted-label PSI",
            comparison.label_psi,
            limits.label_psi,
            comparison.label_psi > limits.label_psi,
            f"PSI {comparison.label_psi:.3f} (limit {limits.label_psi})",
        ),
        Check(
            "predicted-label chi-square p",
            comparison.chi_square_p,
            limits.chi_square_p,
            comparison.chi_square_p < limits.chi_square_p,
            f"chi-square {comparison.chi_square:.1f}, p {comparison.chi_square_p:.3g} "
            f"(fails under {limits.chi_square_p})",
        ),
    ]
    comparison.notes.append(f"test-set class distribution from the card's {reference.class_source}")
    if reference.synthetic:
        comparison.notes.append("the card's monitoring block is marked synthetic (a rehearsal)")


def _compare_scores(
    summary: VersionSummary, reference: Reference, limits: Thresholds, comparison: Comparison
) -> None:
    if not reference.top_scores:
        comparison.notes.append(
            "the card records no test-set top scores (monitoring.test_top_scores): the "
            "top-score and low-confidence checks are skipped"
        )
        return
    test = np.asarray(reference.top_scores)
    live = np.asarray(summary.top_scores)
    comparison.score_psi = binned_psi(test, live)
    comparison.score_ks_p = float(stats.ks_2samp(test, live).pvalue)
    comparison.test_low_confidence = _rate_below(reference.top_scores, limits.min_confidence)
    increase = comparison.live_low_confidence - comparison.test_low_confidence
    comparison.checks += [
        Check(
            "top-score PSI",
            comparison.score_psi,
            limits.score_psi,
            comparison.score_psi > limits.score_psi,
            f"PSI {comparison.score_psi:.3f} over test-set decile bins (limit {limits.score_psi})",
        ),
        Check(
            "low-confidence rate increase",
            increase,
            limits.low_confidence_increase,
            increase > limits.low_confidence_increase,
            f"{comparison.live_low_confidence:.1%} live against "
            f"{comparison.test_low_confidence:.1%} on the test set, top score under "
            f"{limits.min_confidence} (limit +{limits.low_confidence_increase:.0%})",
        ),
    ]


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI of two proportion vectors over the same bins; empty bins floored at PSI_FLOOR."""
    e = np.maximum(np.asarray(expected, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_FLOOR)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def binned_psi(reference: np.ndarray, live: np.ndarray, bins: int = 10) -> float:
    """PSI of a continuous value over the reference's quantile bins (fewer where they tie)."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    edges = np.concatenate(([-np.inf], edges, [np.inf]))
    expected = np.histogram(reference, edges)[0] / len(reference)
    actual = np.histogram(live, edges)[0] / len(live)
    return psi(expected, actual)


def chi_square(observed: np.ndarray, expected_share: np.ndarray) -> tuple[float, float]:
    """Goodness of fit of counts to proportions (floored like PSI so no expectation is zero)."""
    share = np.maximum(expected_share, PSI_FLOOR)
    expected = share / share.sum() * observed.sum()
    result = stats.chisquare(observed, expected)
    return float(result.statistic), float(result.pvalue)


def _rate_below(scores: Sequence[float], threshold: float) -> float:
    return sum(score < threshold for score in scores) / len(scores) if scores else math.nan

"""The drift report's pictures: label shares, top-score distributions, image formats and sizes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from classifier_ops.drift import Comparison, Reference, VersionSummary

TEST_COLOUR, LIVE_COLOUR, LIMIT_COLOUR = "#4c72b0", "#dd8452", "#c44e52"


def label_shares(comparison: Comparison, title: str, path: Path) -> Path:
    """Side-by-side bars: each label's share of the test set and of the live predictions."""
    labels = comparison.labels
    x = np.arange(len(labels))
    figure, axes = plt.subplots(figsize=(max(6, 0.5 * len(labels) + 3), 4))
    if comparison.reference_share:
        test = [comparison.reference_share[label] for label in labels]
        axes.bar(x - 0.2, test, 0.4, label="test set (card)", color=TEST_COLOUR)
    live = [comparison.live_share[label] for label in labels]
    axes.bar(x + 0.2, live, 0.4, label="live predictions", color=LIVE_COLOUR)
    axes.set_xticks(x, labels, rotation=90 if len(labels) > 20 else 0)
    axes.set_xlabel("predicted label")
    axes.set_ylabel("share of results")
    psi = "" if comparison.label_psi is None else f"  (PSI {comparison.label_psi:.3f})"
    axes.set_title(f"{title}: predicted labels{psi}")
    axes.legend()
    return _save(figure, path)


def top_scores(
    summary: VersionSummary,
    reference: Reference,
    comparison: Comparison,
    threshold: float,
    title: str,
    path: Path,
) -> Path:
    """Density histograms of the top score, test set against live, with the threshold marked."""
    figure, axes = plt.subplots(figsize=(7, 4))
    bins = [i / 40 for i in range(41)]
    if reference.top_scores:
        axes.hist(
            reference.top_scores,
            bins,
            density=True,
            alpha=0.6,
            label="test set (card)",
            color=TEST_COLOUR,
        )
    axes.hist(summary.top_scores, bins, density=True, alpha=0.6, label="live", color=LIVE_COLOUR)
    axes.axvline(threshold, color=LIMIT_COLOUR, linestyle="--", label=f"min confidence {threshold}")
    axes.set_xlabel("top score")
    axes.set_ylabel("density")
    test_rate = comparison.test_low_confidence
    rates = f"low confidence: live {comparison.live_low_confidence:.1%}" + (
        "" if test_rate is None else f", test {test_rate:.1%}"
    )
    axes.set_title(f"{title}: top scores ({rates})")
    axes.legend(loc="upper left")
    return _save(figure, path)


def images(summary: VersionSummary, reference: Reference, title: str, path: Path) -> Path | None:
    """Format mix and pixel sizes of the classified images, when the results record them."""
    if not summary.formats:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    formats = summary.formats.most_common()
    left.bar([name for name, _ in formats], [count for _, count in formats], color=LIVE_COLOUR)
    left.set_title("image formats")
    left.set_ylabel("results")
    if summary.pixels:
        widths, heights = zip(*summary.pixels, strict=True)
        right.scatter(widths, heights, s=8, alpha=0.4, color=LIVE_COLOUR)
        right.set_xlim(left=0)
        right.set_ylim(bottom=0)
    right.set_xlabel("width (px)")
    right.set_ylabel("height (px)")
    right.set_title("image sizes")
    size = f" (the model's input is {reference.input_size})" if reference.input_size else ""
    figure.suptitle(f"{title}: inputs{size}")
    return _save(figure, path)


def _save(figure: Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

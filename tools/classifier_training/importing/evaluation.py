"""Accuracy on --eval-dir through serving's preprocessing, and the monitoring baseline."""

from __future__ import annotations

import numpy as np

MONITORING_SCORES = 1000


def evaluate(
    served: np.ndarray, source: np.ndarray, targets: np.ndarray, labels: list[str]
) -> dict[str, object]:
    """Served accuracy beside the source runtime's accuracy on the same images."""
    predicted = served.argmax(1)
    per_class = {}
    for i, label in enumerate(labels):
        support = int(np.sum(targets == i))
        if support:
            per_class[label] = {
                "recall": float(np.mean(predicted[targets == i] == i)),
                "support": support,
            }
    return {
        "test_accuracy": float(np.mean(predicted == targets)),
        "source_accuracy": float(np.mean(source.argmax(1) == targets)),
        "images": len(targets),
        "per_class": per_class,
    }


def monitoring(served: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, object]:
    """What the monitoring engineer compares live traffic against: class mix and top scores."""
    return {
        "test_class_counts": {label: int(np.sum(targets == i)) for i, label in enumerate(labels)},
        "test_top_scores": [round(float(s), 4) for s in served.max(1)[:MONITORING_SCORES]],
    }

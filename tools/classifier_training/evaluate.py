"""Test-split figures: accuracy, per-class precision/recall/F1, macro-F1, the worst errors,
and the score sample the monitoring side compares live traffic with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MONITORING_SAMPLE = 1000


@dataclass
class Evaluation:
    labels: list[str]
    y_true: np.ndarray
    probabilities: np.ndarray
    rows: np.ndarray  # cache rows of the test images, for the error gallery

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(1)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predicted == self.y_true))

    def confusion(self) -> np.ndarray:
        from sklearn.metrics import confusion_matrix

        return confusion_matrix(self.y_true, self.predicted, labels=range(len(self.labels)))

    def per_class(self) -> dict[str, dict[str, float | int]]:
        from sklearn.metrics import precision_recall_fscore_support

        precision, recall, f1, support = precision_recall_fscore_support(
            self.y_true, self.predicted, labels=range(len(self.labels)), zero_division=0
        )
        return {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(self.labels)
        }

    @property
    def macro_f1(self) -> float:
        from sklearn.metrics import f1_score

        return float(
            f1_score(
                self.y_true,
                self.predicted,
                labels=range(len(self.labels)),
                average="macro",
                zero_division=0,
            )
        )

    def worst_errors(self, limit: int = 16) -> list[dict[str, Any]]:
        """Misclassified test images, the most confident mistakes first."""
        wrong = np.flatnonzero(self.predicted != self.y_true)
        scores = self.probabilities[wrong, self.predicted[wrong]]
        order = wrong[np.argsort(-scores, kind="stable")][:limit]
        return [
            {
                "row": int(self.rows[i]),
                "true": self.labels[int(self.y_true[i])],
                "predicted": self.labels[int(self.predicted[i])],
                "score": float(self.probabilities[i, self.predicted[i]]),
            }
            for i in order
        ]

    def monitoring(self, seed: int) -> dict[str, Any]:
        """Class counts and top scores on the test split, for the drift monitor (issue 16)."""
        counts = np.bincount(self.y_true, minlength=len(self.labels))
        top = self.probabilities.max(1)
        if len(top) > MONITORING_SAMPLE:
            pick = np.sort(
                np.random.default_rng(seed).choice(len(top), MONITORING_SAMPLE, replace=False)
            )
            top = top[pick]
        return {
            "test_class_counts": {
                label: int(n) for label, n in zip(self.labels, counts, strict=True)
            },
            "test_top_scores": [round(float(s), 4) for s in top],
        }

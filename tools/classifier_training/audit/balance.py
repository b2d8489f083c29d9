"""Class imbalance: classes with far fewer images than the largest, named by their folder."""

from __future__ import annotations

from classifier_training.audit.document import CLASS_IMBALANCE, Finding

RATIO = 1.5  # the largest class over this one beyond which training weights the classes


def imbalance(classes: dict[str, int]) -> list[Finding]:
    largest_name, largest = max(classes.items(), key=lambda item: item[1])
    return [
        Finding(
            CLASS_IMBALANCE,
            (name,),
            largest / max(count, 1),
            f"{count} images against {largest} in {largest_name}",
        )
        for name, count in sorted(classes.items(), key=lambda item: item[1])
        if count * RATIO < largest
    ]

"""The confidence threshold: below it an answer is flagged `uncertain`, never hidden.

Like Rekognition's MinConfidence, a caller can tell a sure answer from a guess; unlike it, the
predictions are still returned, because a caller who asked for three labels can use them.
"""

from __future__ import annotations

from collections.abc import Sequence

from image_classifier.errors import ClassifierError
from image_classifier.model_card import Prediction


def parse_min_confidence(value: object, from_query: bool = False) -> float:
    """A JSON number (or, from a query string, its text) from 0 to 1; NaN and booleans refused."""
    if from_query and isinstance(value, str) and len(value) <= 32:
        try:
            value = float(value)
        except ValueError:
            raise _invalid() from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid()
    # Compared before any float() call (a huge JSON integer would overflow it); NaN fails too.
    if not 0 <= value <= 1:
        raise _invalid()
    return float(value)


def is_uncertain(predictions: Sequence[Prediction], min_confidence: float) -> bool:
    """True when the top score is below the threshold (predictions are ranked, best first)."""
    return bool(predictions) and predictions[0].score < min_confidence


def _invalid() -> ClassifierError:
    return ClassifierError(
        "'min_confidence' must be a number from 0 to 1.", code="invalid_min_confidence"
    )

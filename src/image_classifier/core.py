"""The one classification core that HTTP, S3 and TF Serving share: bytes in, a score matrix out.

The matrix is what the engine computed, one row per decoded image in label order. Each image's
outcome is a view of its row (ranked only when a caller asks) or the error that kept it out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from image_classifier.errors import ClassifierError
from image_classifier.model import Classifier
from image_classifier.model_card import Prediction
from image_classifier.preprocessing import preprocess


@dataclass(frozen=True)
class ImageScores:
    """One image's row of the batch's score matrix, in label order."""

    row: np.ndarray
    classifier: Classifier

    def ranked(self, k: int) -> list[Prediction]:
        """The k best labels, best first."""
        return self.classifier.top_k(self.row, k)

    @property
    def top(self) -> Prediction:
        return self.ranked(1)[0]


ImageOutcome = ImageScores | ClassifierError


@dataclass
class BatchResult:
    """`scores` has one row per decodable image; `outcomes` one entry per image, in order."""

    outcomes: list[ImageOutcome]
    scores: np.ndarray
    decode_ms: float = 0.0
    inference_ms: float = 0.0

    def first_error(self) -> ClassifierError | None:
        return next((o for o in self.outcomes if isinstance(o, ClassifierError)), None)


def classify_images(
    classifier: Classifier, images: list[bytes | ClassifierError], max_pixels: int
) -> BatchResult:
    """Decode each image, score all decodable ones in one session call, keep errors in place.

    An item that is already an error (say, bad base64) passes through, so a batch keeps its order.
    """
    started = time.perf_counter()
    decoded: list[np.ndarray | ClassifierError] = []
    for item in images:
        if isinstance(item, ClassifierError):
            decoded.append(item)
            continue
        try:
            decoded.append(preprocess(item, classifier.spec, max_pixels))
        except ClassifierError as exc:
            decoded.append(exc)
    pixels = [item for item in decoded if not isinstance(item, ClassifierError)]
    finished_decoding = time.perf_counter()
    if pixels:
        scores = classifier.predict(np.stack(pixels))
    else:
        scores = np.zeros((0, len(classifier.labels)), dtype=np.float32)
    finished = time.perf_counter()
    rows = iter(scores)
    outcomes: list[ImageOutcome] = [
        item if isinstance(item, ClassifierError) else ImageScores(next(rows), classifier)
        for item in decoded
    ]
    return BatchResult(
        outcomes=outcomes,
        scores=scores,
        decode_ms=(finished_decoding - started) * 1000,
        inference_ms=(finished - finished_decoding) * 1000,
    )

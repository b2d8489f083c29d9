"""The one classification core that HTTP and S3 share: bytes in, ranked labels out."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from image_classifier.errors import ClassifierError
from image_classifier.model import Classifier
from image_classifier.model_card import Prediction
from image_classifier.preprocessing import preprocess

Outcome = list[Prediction] | ClassifierError


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    decode_ms: float = 0.0
    inference_ms: float = 0.0


def classify_images(
    classifier: Classifier, images: list[bytes | ClassifierError], top_k: int, max_pixels: int
) -> BatchResult:
    """Decode each image, score all decodable ones in one session call, keep errors in place.

    An item that is already an error (say, bad base64) passes through, so a batch keeps its order.
    """
    started = time.perf_counter()
    outcomes: list[Outcome | None] = []
    pixels: list[np.ndarray] = []
    slots: list[int] = []
    for item in images:
        if isinstance(item, ClassifierError):
            outcomes.append(item)
            continue
        try:
            pixels.append(preprocess(item, classifier.spec, max_pixels))
        except ClassifierError as exc:
            outcomes.append(exc)
            continue
        slots.append(len(outcomes))
        outcomes.append(None)
    decoded = time.perf_counter()
    if pixels:
        probabilities = classifier.predict(np.stack(pixels))
        for slot, row in zip(slots, probabilities, strict=True):
            outcomes[slot] = classifier.top_k(row, top_k)
    finished = time.perf_counter()
    return BatchResult(
        outcomes=outcomes,  # type: ignore[arg-type]
        decode_ms=(decoded - started) * 1000,
        inference_ms=(finished - decoded) * 1000,
    )

"""The one classification core: order kept, errors passed through, one engine call per batch."""

from __future__ import annotations

import numpy as np

from image_classifier.core import classify_images
from image_classifier.errors import ClassifierError, ImageError
from image_classifier.model import Classifier
from image_classifier.model_card import ModelCard
from image_classifier.preprocessing import preprocess
from tests.support.factories import ROOT, digit_png, label


class CountingEngine:
    """Wraps the real engine and records each batch it is given."""

    def __init__(self, engine):
        self.engine = engine
        self.batches = []

    def predict(self, batch):
        self.batches.append(batch.shape)
        return self.engine.predict(batch)


def counting_classifier(classifier):
    return Classifier(ModelCard.load(ROOT / "model"), CountingEngine(classifier.engine))


def test_order_is_kept_and_errors_pass_through(classifier):
    counted = counting_classifier(classifier)
    counted.engine.batches.clear()
    bad_base64 = ClassifierError("bad", code="invalid_base64")
    items = [digit_png("3"), bad_base64, b"not an image", digit_png("8")]
    result = classify_images(counted, items, top_k=2, max_pixels=1_000_000)
    first, second, third, fourth = result.outcomes
    assert first[0].label == label(3) and len(first) == 2
    assert second is bad_base64
    assert isinstance(third, ImageError)
    assert fourth[0].label == label(8)
    assert counted.engine.batches == [(2, *classifier.spec.shape)]
    assert result.decode_ms > 0 and result.inference_ms > 0


def test_no_engine_call_when_nothing_decodes(classifier):
    counted = counting_classifier(classifier)
    counted.engine.batches.clear()
    result = classify_images(counted, [b"junk", b""], top_k=1, max_pixels=1_000_000)
    assert all(isinstance(o, ImageError) for o in result.outcomes)
    assert counted.engine.batches == []
    assert result.inference_ms < 1


def test_scores_are_the_engines_probabilities(classifier):
    png = digit_png("5")
    result = classify_images(classifier, [png], top_k=3, max_pixels=1_000_000)
    row = classifier.predict(preprocess(png, classifier.spec)[None])[0]
    expected = [(classifier.labels[i], float(row[i])) for i in np.argsort(-row)[:3]]
    assert [(p.label, p.score) for p in result.outcomes[0]] == expected

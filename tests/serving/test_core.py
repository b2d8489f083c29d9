"""The one classification core: order kept, errors passed through, one engine call per batch."""

from __future__ import annotations

import numpy as np

from image_classifier.core import ImageScores, classify_images
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
    result = classify_images(counted, items, max_pixels=1_000_000)
    first, second, third, fourth = result.outcomes
    assert isinstance(first, ImageScores) and isinstance(fourth, ImageScores)
    assert first.top.label == label(3) and fourth.top.label == label(8)
    assert second is bad_base64
    assert isinstance(third, ImageError)
    assert result.first_error() is bad_base64
    assert counted.engine.batches == [(2, *classifier.spec.shape)]
    assert result.scores.shape == (2, len(classifier.labels))
    assert result.decode_ms > 0 and result.inference_ms > 0


def test_no_engine_call_when_nothing_decodes(classifier):
    counted = counting_classifier(classifier)
    counted.engine.batches.clear()
    result = classify_images(counted, [b"junk", b""], max_pixels=1_000_000)
    assert all(isinstance(o, ImageError) for o in result.outcomes)
    assert counted.engine.batches == []
    assert result.scores.shape == (0, len(classifier.labels))


def test_the_score_matrix_is_the_engines_and_each_outcome_views_its_row(classifier):
    pngs = [digit_png("5"), b"junk", digit_png("0")]
    result = classify_images(classifier, pngs, max_pixels=1_000_000)
    pixels = np.stack([preprocess(png, classifier.spec) for png in (pngs[0], pngs[2])])
    np.testing.assert_array_equal(result.scores, classifier.predict(pixels))
    scored = [o for o in result.outcomes if isinstance(o, ImageScores)]
    for outcome, row in zip(scored, result.scores, strict=True):
        assert np.shares_memory(outcome.row, result.scores)
        np.testing.assert_array_equal(outcome.row, row)


def test_ranking_lists_every_label_once_best_first_with_its_own_score(classifier):
    (outcome,) = classify_images(classifier, [digit_png("5")], max_pixels=1_000_000).outcomes
    assert isinstance(outcome, ImageScores)
    ranked = outcome.ranked(len(classifier.labels))
    assert sorted(p.label for p in ranked) == sorted(classifier.labels)
    scores = [p.score for p in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(p.score == outcome.row[classifier.labels.index(p.label)] for p in ranked)
    assert outcome.ranked(2) == ranked[:2] and outcome.top == ranked[0]

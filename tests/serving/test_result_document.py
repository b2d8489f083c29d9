"""The S3 result object's one definition: what is written, what reads back, what is refused."""

from __future__ import annotations

import json

import pytest

from image_classifier.model_card import Prediction
from image_classifier.result_document import (
    ImageFacts,
    MalformedResult,
    ModelRef,
    ResultDocument,
    ResultError,
    SourceObject,
)

SOURCE = SourceObject("uploads", "cats/a.png", etag="abc", version_id=None, size=120)
CLASSIFIED = ResultDocument(
    SOURCE,
    "2026-12-01T00:00:00.000+00:00",
    predictions=(Prediction("7", 0.75), Prediction("1", 0.25)),
    uncertain=True,
    image=ImageFacts("PNG", 8, 8),
    model=ModelRef("digits", "1.0.0"),
)
FAILED = ResultDocument(
    SourceObject("uploads", "cats/b.png"),
    "2026-12-01T00:00:00.000+00:00",
    error=ResultError("invalid_image", "The data is not a decodable image."),
)


def test_a_classified_result_is_written_in_this_layout_and_reads_back():
    written = json.loads(CLASSIFIED.to_bytes())
    assert written == {
        "source": {
            "bucket": "uploads",
            "key": "cats/a.png",
            "etag": "abc",
            "version_id": None,
            "size": 120,
        },
        "predictions": [{"label": "7", "score": 0.75}, {"label": "1", "score": 0.25}],
        "uncertain": True,
        "image": {"format": "PNG", "width": 8, "height": 8},
        "model": {"name": "digits", "version": "1.0.0"},
        "classified_at": "2026-12-01T00:00:00.000+00:00",
    }
    assert ResultDocument.from_bytes(CLASSIFIED.to_bytes()) == CLASSIFIED


def test_an_error_result_names_no_model_and_reads_back():
    written = json.loads(FAILED.to_bytes())
    assert list(written) == ["source", "error", "classified_at"]
    assert ResultDocument.from_bytes(FAILED.to_bytes()) == FAILED
    assert FAILED.top is None and CLASSIFIED.top == Prediction("7", 0.75)


def test_a_sure_answer_carries_no_uncertain_field():
    sure = ResultDocument(SOURCE, "t", predictions=(Prediction("7", 0.9),))
    assert "uncertain" not in sure.to_json()


def test_only_a_source_with_an_etag_gets_skip_if_current_metadata():
    assert CLASSIFIED.user_metadata("f00") == {"source-etag": "abc", "model-sha256": "f00"}
    assert CLASSIFIED.user_metadata("") == {"source-etag": "abc"}
    assert FAILED.user_metadata("f00") == {}


@pytest.mark.parametrize(
    ("predictions", "error"),
    [((), None), ((Prediction("7", 1.0),), ResultError("invalid_image", "No."))],
)
def test_a_result_has_predictions_or_an_error_not_both(predictions, error):
    with pytest.raises(MalformedResult):
        ResultDocument(SOURCE, "t", predictions=predictions, error=error)


def changed(path: str, value: object) -> bytes:
    document = CLASSIFIED.to_json()
    *parents, name = path.split(".")
    target = document
    for parent in parents:
        target = target[parent]
    if value is KeyError:
        del target[name]
    else:
        target[name] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b"[]", "the document"),
        (changed("source", KeyError), "source"),
        (changed("source.bucket", 7), "source.bucket"),
        (changed("source.size", -1), "source.size"),
        (changed("source.size", True), "source.size"),
        (changed("classified_at", None), "classified_at"),
        (changed("predictions", []), "no predictions"),
        (changed("predictions", [{"label": "7", "score": "0.9"}]), "score"),
        (changed("predictions", [{"label": "7", "score": 1.5}]), "score"),
        (changed("predictions", [{"label": "7", "score": True}]), "score"),
        (changed("predictions", [{"label": 7, "score": 0.5}]), "label"),
        (changed("predictions", ["7"]), "prediction"),
        (changed("predictions", [{"label": "7", "score": float("nan")}]), "score"),
        (changed("uncertain", "yes"), "uncertain"),
        (changed("image.width", 8.5), "image.width"),
        (changed("model.version", 1), "model.version"),
        (changed("model", "digits"), "model"),
    ],
)
def test_anything_else_is_refused_whole_naming_the_field(raw, field):
    with pytest.raises(MalformedResult, match=field):
        ResultDocument.from_bytes(raw)

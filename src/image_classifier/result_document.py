"""The S3 result object: the one definition of what the trigger writes for each upload and what
the operations tools read back.

Reading is defensive: anyone who can write under the results prefix can put anything there, so
a document that does not have this shape is refused whole (`MalformedResult`), never half-read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from image_classifier.model_card import Prediction

# User metadata on each result object (S3 returns the names in lower case): what skip-if-current
# compares with the source object's ETag and the served model's sha256.
SOURCE_ETAG = "source-etag"
MODEL_SHA256 = "model-sha256"


class MalformedResult(ValueError):
    """Not a result object of this shape; the message names the first field that is wrong."""


@dataclass(frozen=True)
class SourceObject:
    """The uploaded object a result is about, as its HEAD request described it."""

    bucket: str
    key: str
    etag: str | None = None
    version_id: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class ImageFacts:
    """Format and size from the image header: the drift report's input statistics."""

    format: str | None
    width: int
    height: int


@dataclass(frozen=True)
class ModelRef:
    name: str
    version: str


@dataclass(frozen=True)
class ResultError:
    code: str
    message: str


@dataclass(frozen=True)
class ResultDocument:
    """Either ranked predictions (with the image facts and the model that made them) or an error."""

    source: SourceObject
    classified_at: str
    predictions: tuple[Prediction, ...] = ()
    uncertain: bool = False
    image: ImageFacts | None = None
    model: ModelRef | None = None
    error: ResultError | None = None

    def __post_init__(self) -> None:
        if bool(self.predictions) == (self.error is not None):
            raise MalformedResult("a result has either predictions or an error")

    @property
    def top(self) -> Prediction | None:
        return self.predictions[0] if self.predictions else None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"source": _source_json(self.source)}
        if self.error is not None:
            document["error"] = {"code": self.error.code, "message": self.error.message}
        else:
            document["predictions"] = [p.to_dict() for p in self.predictions]
        if self.uncertain:
            document["uncertain"] = True
        if self.image is not None:
            image = self.image
            document["image"] = {
                "format": image.format,
                "width": image.width,
                "height": image.height,
            }
        if self.model is not None:
            document["model"] = {"name": self.model.name, "version": self.model.version}
        document["classified_at"] = self.classified_at
        return document

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8")

    def user_metadata(self, model_sha256: str) -> dict[str, str]:
        """The object's user metadata; none without a source ETag (then it is never current)."""
        if not self.source.etag:
            return {}
        metadata = {SOURCE_ETAG: self.source.etag, MODEL_SHA256: model_sha256}
        return {name: value for name, value in metadata.items() if value}

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> ResultDocument:
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise MalformedResult("not JSON") from exc
        return cls.from_json(value)

    @classmethod
    def from_json(cls, value: Any) -> ResultDocument:
        document = _object(value, "the document")
        error = document.get("error")
        predictions = document.get("predictions")
        if error is not None:
            fields = _object(error, "error")
            return cls(
                source=_source(document.get("source")),
                classified_at=_text(document.get("classified_at"), "classified_at"),
                error=ResultError(
                    _text(fields.get("code"), "error.code"),
                    _text(fields.get("message"), "error.message"),
                ),
            )
        if not isinstance(predictions, list) or not predictions:
            raise MalformedResult("no predictions and no error")
        uncertain = document.get("uncertain", False)
        if not isinstance(uncertain, bool):
            raise MalformedResult("uncertain: not true or false")
        image, model = document.get("image"), document.get("model")
        return cls(
            source=_source(document.get("source")),
            classified_at=_text(document.get("classified_at"), "classified_at"),
            predictions=tuple(_prediction(p) for p in predictions),
            uncertain=uncertain,
            image=None if image is None else _image(image),
            model=None if model is None else _model(model),
        )


def _source_json(source: SourceObject) -> dict[str, Any]:
    return {
        "bucket": source.bucket,
        "key": source.key,
        "etag": source.etag,
        "version_id": source.version_id,
        "size": source.size,
    }


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedResult(f"{name}: not an object")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise MalformedResult(f"{name}: not a string")
    return value


def _optional_text(value: Any, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedResult(f"{name}: not a count")
    return value


def _source(value: Any) -> SourceObject:
    fields = _object(value, "source")
    size = fields.get("size")
    return SourceObject(
        bucket=_text(fields.get("bucket"), "source.bucket"),
        key=_text(fields.get("key"), "source.key"),
        etag=_optional_text(fields.get("etag"), "source.etag"),
        version_id=_optional_text(fields.get("version_id"), "source.version_id"),
        size=None if size is None else _count(size, "source.size"),
    )


def _prediction(value: Any) -> Prediction:
    fields = _object(value, "prediction")
    score = fields.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise MalformedResult("prediction score: not a number from 0 to 1")
    return Prediction(_text(fields.get("label"), "prediction label"), float(score))


def _image(value: Any) -> ImageFacts:
    fields = _object(value, "image")
    return ImageFacts(
        format=_optional_text(fields.get("format"), "image.format"),
        width=_count(fields.get("width"), "image.width"),
        height=_count(fields.get("height"), "image.height"),
    )


def _model(value: Any) -> ModelRef:
    fields = _object(value, "model")
    return ModelRef(
        _text(fields.get("name"), "model.name"), _text(fields.get("version"), "model.version")
    )

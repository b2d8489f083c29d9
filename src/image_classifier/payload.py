"""Turns a request body into image bytes and options, or a ClassifierError with a stable code."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from image_classifier.confidence import parse_min_confidence
from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest

JSON_TYPES = frozenset({"", "application/json", "text/json"})
BINARY_TYPES = frozenset({"application/octet-stream"})
KNOWN_FIELDS = frozenset({"image", "images", "top_k", "min_confidence"})
_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*?);base64,", re.IGNORECASE)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_WHITESPACE = re.compile(r"\s+")
_REPLACEMENT_CHARACTER = "\ufffd".encode()
_URL_SAFE = str.maketrans("-_", "+/")


@dataclass
class ImageRequest:
    images: list[bytes | ClassifierError]
    batch: bool
    top_k: int
    # None: the MIN_CONFIDENCE setting applies.
    min_confidence: float | None = None


def parse_classify_request(
    request: HttpRequest, n_labels: int, default_top_k: int, max_bytes: int, max_batch: int
) -> ImageRequest:
    """Accept a JSON document with `image` or `images`, or a raw image body."""
    media = request.media_type
    if request.document is not None:
        document = request.document
    elif media in JSON_TYPES or media.endswith("+json"):
        document = parse_json_body(request)
    elif media.startswith("image/") or media in BINARY_TYPES:
        body = request.raw_body
        if not body:
            raise ClassifierError("The request has no image in its body.", code="missing_image")
        if request.text is not None and _REPLACEMENT_CHARACTER in body:
            raise ClassifierError(
                "The image body arrived as text, so its bytes were mangled on the way. Send it "
                "as base64 JSON, or let the gateway pass binary bodies (REST API: binary media "
                "types; serverless-offline: Content-Type application/octet-stream).",
                code="binary_body_mangled",
            )
        _check_size(len(body), max_bytes)
        top_k = _top_k(request.query.get("top_k"), n_labels, default_top_k, from_query=True)
        threshold = _min_confidence(request.query.get("min_confidence"), from_query=True)
        return ImageRequest([body], batch=False, top_k=top_k, min_confidence=threshold)
    else:
        raise ClassifierError(
            "Unsupported content type; send application/json or an image/* body.",
            code="unsupported_media_type",
            status=415,
        )
    return _from_document(document, n_labels, default_top_k, max_bytes, max_batch)


def decode_base64_image(text: str, max_bytes: int) -> bytes:
    """Standard or URL-safe base64, padded or not, with whitespace, or a data: URL.

    Canonical base64 takes a single C-speed pass; only other spellings are normalised first.
    """
    _check_size(len(text) * 3 // 4, max_bytes)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = base64.b64decode(_normalise_base64(text), validate=True)
    if not data:
        raise ClassifierError("The image is empty.", code="empty_image")
    _check_size(len(data), max_bytes)
    return data


def _normalise_base64(text: str) -> str:
    """Strip a data: URL prefix and whitespace, map URL-safe characters, repair padding."""
    text = text.lstrip()
    match = _DATA_URL.match(text)
    if match:
        if not match.group(1).strip().lower().startswith("image/"):
            raise ClassifierError(
                "The data URL must name an image/* type.",
                code="unsupported_media_type",
                status=415,
            )
        text = text[match.end() :]
    compact = _WHITESPACE.sub("", text).translate(_URL_SAFE).rstrip("=")
    compact += "=" * (-len(compact) % 4)
    if not compact or not _BASE64.fullmatch(compact):
        raise ClassifierError("The image is not valid base64.", code="invalid_base64")
    return compact


def parse_json_body(request: HttpRequest) -> Any:
    """The body as JSON, read from the text the gateway delivered without copying it."""
    source = request.text if request.text is not None else request.body
    if not source or source.isspace():
        raise ClassifierError("The request has no body.", code="missing_image")
    try:
        return json.loads(source if isinstance(source, str) else source.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ClassifierError("The body is not valid UTF-8 JSON.", code="invalid_json") from exc


def _from_document(
    document: Any, n_labels: int, default_top_k: int, max_bytes: int, max_batch: int
) -> ImageRequest:
    if not isinstance(document, dict):
        raise ClassifierError(
            "The body must be a JSON object with 'image' or 'images'.", code="invalid_request"
        )
    if any(key not in KNOWN_FIELDS for key in document):
        raise ClassifierError(
            "The body has an unknown field; the known ones are image, images, top_k and "
            "min_confidence.",
            code="unknown_field",
        )
    top_k = _top_k(document.get("top_k"), n_labels, default_top_k, from_query=False)
    threshold = _min_confidence(document.get("min_confidence"), from_query=False)
    if "image" in document and "images" in document:
        raise ClassifierError("Send either 'image' or 'images', not both.", code="invalid_request")
    if "image" in document:
        return ImageRequest([_decode_field(document["image"], max_bytes)], False, top_k, threshold)
    if "images" not in document:
        raise ClassifierError("The body has no 'image' or 'images' field.", code="missing_image")
    images = document["images"]
    if not isinstance(images, list):
        raise ClassifierError("'images' must be a list of base64 strings.", code="invalid_field")
    if not images:
        raise ClassifierError("'images' is empty.", code="empty_batch")
    if len(images) > max_batch:
        raise ClassifierError(
            f"A batch holds at most {max_batch} images; got {len(images)}.",
            code="batch_too_large",
            status=413,
        )
    return ImageRequest([_decode_item(item, max_bytes) for item in images], True, top_k, threshold)


def _decode_field(value: Any, max_bytes: int) -> bytes:
    if not isinstance(value, str):
        raise ClassifierError("'image' must be a base64 string.", code="invalid_field")
    return decode_base64_image(value, max_bytes)


def _decode_item(value: Any, max_bytes: int) -> bytes | ClassifierError:
    try:
        return _decode_field(value, max_bytes)
    except ClassifierError as exc:
        return exc


def _top_k(value: Any, n_labels: int, default: int, from_query: bool) -> int:
    if value is None:
        return min(default, n_labels)
    if from_query and isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= n_labels:
        raise ClassifierError(
            f"'top_k' must be a whole number from 1 to {n_labels}.", code="invalid_top_k"
        )
    return value


def _min_confidence(value: Any, from_query: bool) -> float | None:
    return None if value is None else parse_min_confidence(value, from_query=from_query)


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ClassifierError(
            f"The image is larger than {max_bytes} bytes.", code="image_too_large", status=413
        )

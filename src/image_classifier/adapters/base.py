"""What every event-source adapter offers, plus the header handling they share."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Protocol

from image_classifier.body_limit import BodyLimit
from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest, HttpResponse


class Adapter(Protocol):
    name: str

    def matches(self, event: Any) -> bool: ...

    def to_request(
        self, event: Any, request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest: ...

    def to_response(self, response: HttpResponse) -> Any: ...


def lower_headers(headers: Any) -> dict[str, str]:
    """Header names are case-insensitive; duplicates keep their first value."""
    if not isinstance(headers, Mapping):
        return {}
    merged: dict[str, str] = {}
    for name, value in headers.items():
        if isinstance(name, str) and isinstance(value, str):
            merged.setdefault(name.lower(), value)
    return merged


def string_map(values: Any) -> dict[str, str]:
    if not isinstance(values, Mapping):
        return {}
    return {k: v for k, v in values.items() if isinstance(k, str) and isinstance(v, str)}


def body_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """HttpRequest's body fields: `text` as delivered, or `body` bytes when base64-encoded.

    A text body stays a string, so a multi-megabyte JSON document is never copied to bytes.
    """
    body = event.get("body")
    if body is None:
        return {}
    if not isinstance(body, str):
        raise ClassifierError("The request body must be a string.", code="invalid_request")
    if event.get("isBase64Encoded") is not True:
        return {"text": body}
    try:
        return {"body": base64.b64decode(body, validate=True)}
    except (binascii.Error, ValueError) as exc:
        raise ClassifierError(
            "The body is flagged base64 but is not valid base64.", code="invalid_base64"
        ) from exc


def with_body(
    request: HttpRequest, event: Mapping[str, Any], limit: BodyLimit | None
) -> HttpRequest:
    """The request with its body, after refusing a stated size over the limit undecoded."""
    if limit is not None:
        limit.check(request.headers, request.media_type)
    return dataclasses.replace(request, **body_fields(event))


def gateway_response(response: HttpResponse) -> dict[str, Any]:
    """The proxy-integration response shape that REST, HTTP API and Function URLs all accept."""
    body = json.dumps(response.document) if response.text is None else response.text
    return {
        "statusCode": response.status,
        "headers": {"Content-Type": "application/json", **response.headers},
        "body": body,
        "isBase64Encoded": False,
    }

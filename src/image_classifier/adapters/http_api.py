"""API Gateway HTTP API (payload format 2.0) events."""

from __future__ import annotations

from typing import Any

from image_classifier.adapters.base import body_fields, gateway_response, lower_headers
from image_classifier.adapters.query import parse_query
from image_classifier.http_messages import HttpRequest, HttpResponse


class HttpApiAdapter:
    name = "http_api_v2"

    def matches(self, event: Any) -> bool:
        return (
            isinstance(event, dict)
            and event.get("version") == "2.0"
            and isinstance(event.get("requestContext"), dict)
            and isinstance(event["requestContext"].get("http"), dict)
        )

    def to_request(self, event: dict[str, Any], request_id: str) -> HttpRequest:
        http = event["requestContext"]["http"]
        return HttpRequest(
            method=str(http.get("method", "")).upper(),
            path=str(event.get("rawPath") or http.get("path") or "/"),
            headers=lower_headers(event.get("headers")),
            query=parse_query(event.get("rawQueryString"), event.get("queryStringParameters")),
            **body_fields(event),
            request_id=str(event["requestContext"].get("requestId") or request_id),
        )

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return gateway_response(response)

"""API Gateway REST API proxy-integration (payload format 1.0) events."""

from __future__ import annotations

from typing import Any

from image_classifier.adapters.base import gateway_response, lower_headers, with_body
from image_classifier.adapters.query import parse_query
from image_classifier.body_limit import BodyLimit
from image_classifier.http_messages import HttpRequest, HttpResponse


class RestApiAdapter:
    name = "rest_api_v1"

    def matches(self, event: Any) -> bool:
        return (
            isinstance(event, dict)
            and isinstance(event.get("httpMethod"), str)
            and isinstance(event.get("requestContext"), dict)
        )

    def to_request(
        self, event: dict[str, Any], request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest:
        headers = lower_headers(event.get("headers"))
        multi = event.get("multiValueHeaders")
        if isinstance(multi, dict):
            firsts = {k: v[0] for k, v in multi.items() if isinstance(v, list) and v}
            headers = {**lower_headers(firsts), **headers}
        request = HttpRequest(
            method=event["httpMethod"].upper(),
            path=str(event.get("path") or "/"),
            headers=headers,
            query=parse_query(None, event.get("queryStringParameters")),
            request_id=str(event["requestContext"].get("requestId") or request_id),
        )
        return with_body(request, event, body_limit)

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return gateway_response(response)

"""API Gateway HTTP API (payload format 2.0) events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_classifier.adapters.base import gateway_response, lower_headers, with_body
from image_classifier.adapters.query import parse_query
from image_classifier.body_limit import BodyLimit
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

    def to_request(
        self, event: dict[str, Any], request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest:
        context = event["requestContext"]
        http = context["http"]
        request = HttpRequest(
            method=str(http.get("method", "")).upper(),
            path=str(event.get("rawPath") or http.get("path") or "/"),
            headers=lower_headers(event.get("headers")),
            query=parse_query(event.get("rawQueryString"), event.get("queryStringParameters")),
            request_id=str(context.get("requestId") or request_id),
            caller_sub=jwt_sub(context),
        )
        return with_body(request, event, body_limit)

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return gateway_response(response)


def jwt_sub(context: Mapping[str, Any]) -> str | None:
    """The `sub` claim a JWT authorizer verified (requestContext.authorizer.jwt.claims), so logs
    can name the caller; the token and every other claim stay out of the request."""
    authorizer = context.get("authorizer")
    jwt = authorizer.get("jwt") if isinstance(authorizer, Mapping) else None
    claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    sub = claims.get("sub") if isinstance(claims, Mapping) else None
    return sub if isinstance(sub, str) and sub else None

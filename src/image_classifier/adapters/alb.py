"""Application Load Balancer target events, and VPC Lattice events answered with a clear 400.

ALB has two modes, chosen on the target group. Without multi-value headers it sends `headers`
and `queryStringParameters` and expects `headers` back. With them it sends only
`multiValueHeaders` and `multiValueQueryStringParameters` and expects `multiValueHeaders`
back; a repeated name keeps its last value, as most web frameworks do. ALB passes query
strings as the client sent them, still URL-encoded, so this adapter decodes them.

VPC Lattice is not supported: serverless.yml deploys no Lattice target and the Serverless CLI
has no Lattice event to test it with. Rather than fall through to direct invocation (whose
reply has no status code, which Lattice cannot answer with), it gets a 400 in the gateway shape.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from image_classifier.adapters.base import gateway_response, lower_headers, with_body
from image_classifier.body_limit import BodyLimit
from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest, HttpResponse


class AlbAdapter:
    """A target group without multi-value headers: `headers` in, `headers` out."""

    name = "alb"

    def matches(self, event: Any) -> bool:
        return _alb_mode(event) == "single"

    def to_request(
        self, event: dict[str, Any], request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest:
        return self._request(
            event,
            request_id,
            body_limit,
            lower_headers(event.get("headers")),
            _string_values(event.get("queryStringParameters")),
        )

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return {**gateway_response(response), "statusDescription": _status_line(response.status)}

    @staticmethod
    def _request(
        event: dict[str, Any],
        request_id: str,
        body_limit: BodyLimit | None,
        headers: dict[str, str],
        query: dict[str, str],
    ) -> HttpRequest:
        request = HttpRequest(
            method=str(event.get("httpMethod") or "").upper(),
            path=str(event.get("path") or "/"),
            headers=headers,
            query={unquote_plus(k): unquote_plus(v) for k, v in query.items()},
            request_id=request_id,
        )
        return with_body(request, event, body_limit)


class AlbMultiValueAdapter(AlbAdapter):
    """A target group with multi-value headers: only multi-value maps in, `multiValueHeaders` out
    (ALB ignores `headers` in this mode)."""

    def matches(self, event: Any) -> bool:
        return _alb_mode(event) == "multi"

    def to_request(
        self, event: dict[str, Any], request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest:
        return self._request(
            event,
            request_id,
            body_limit,
            lower_headers(last_values(event.get("multiValueHeaders"))),
            last_values(event.get("multiValueQueryStringParameters")),
        )

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        reply = super().to_response(response)
        reply["multiValueHeaders"] = {k: [v] for k, v in reply.pop("headers").items()}
        return reply


def last_values(values: Any) -> dict[str, str]:
    """The last string of each list: ALB's multi-value maps, read the way frameworks do."""
    if not isinstance(values, dict):
        return {}
    out: dict[str, str] = {}
    for name, items in values.items():
        strings = [v for v in items if isinstance(v, str)] if isinstance(items, list) else []
        if isinstance(name, str) and strings:
            out[name] = strings[-1]
    return out


def _string_values(values: Any) -> dict[str, str]:
    if not isinstance(values, dict):
        return {}
    return {k: v for k, v in values.items() if isinstance(k, str) and isinstance(v, str)}


def _status_line(status: int) -> str:
    return f"{status} {_REASONS.get(status, '')}".strip()


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class LatticeAdapter:
    """VPC Lattice (payload v1: `raw_path`/`method`; v2: `requestContext.serviceNetworkArn`)."""

    name = "vpc_lattice"

    def matches(self, event: Any) -> bool:
        if not isinstance(event, dict):
            return False
        context = event.get("requestContext")
        if isinstance(context, dict) and (
            "serviceNetworkArn" in context or "serviceArn" in context
        ):
            return True
        return isinstance(event.get("raw_path"), str) and isinstance(event.get("method"), str)

    def to_request(
        self, event: Any, request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest:
        raise ClassifierError(
            "VPC Lattice events are not supported; call the HTTP API or a Function URL.",
            code="unsupported_event_source",
        )

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return {**gateway_response(response), "statusDescription": _status_line(response.status)}


def _alb_mode(event: Any) -> str | None:
    """ "multi" or "single" for an ALB target event (it carries requestContext.elb), else None."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    if not isinstance(context, dict) or not isinstance(context.get("elb"), dict):
        return None
    return "multi" if isinstance(event.get("multiValueHeaders"), dict) else "single"

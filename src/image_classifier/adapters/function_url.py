"""Lambda Function URL events: the HTTP API v2 payload, served from a *.lambda-url.* domain."""

from __future__ import annotations

from typing import Any

from image_classifier.adapters.http_api import HttpApiAdapter


class FunctionUrlAdapter(HttpApiAdapter):
    name = "function_url"

    def matches(self, event: Any) -> bool:
        context = event.get("requestContext") if isinstance(event, dict) else None
        domain = context.get("domainName", "") if isinstance(context, dict) else ""
        return super().matches(event) and ".lambda-url." in str(domain)

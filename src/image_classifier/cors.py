"""CORS response headers from CORS_ALLOW_ORIGIN: empty, `*`, or a comma-separated origin list.

The HTTP API answers CORS itself from the same list (serverless.yml); these headers serve the
other front doors (Function URL, REST API, serverless-offline). A list is matched against the
request's Origin, because Access-Control-Allow-Origin may name only one origin.
"""

from __future__ import annotations

from collections.abc import Mapping

ALLOW = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
}


class CorsPolicy:
    """Parsed once per container; `headers` picks the answer for one request."""

    def __init__(self, allow_origin: str):
        self.origins = frozenset(o.strip() for o in allow_origin.split(",") if o.strip())
        self.any = "*" in self.origins

    def headers(self, request_headers: Mapping[str, str] | None) -> dict[str, str]:
        """`*` for any origin; the caller's own origin when it is listed; otherwise nothing
        a browser would accept."""
        if self.any:
            return {"Access-Control-Allow-Origin": "*", **ALLOW}
        if not self.origins:
            return {}
        origin = (request_headers or {}).get("origin", "")
        if origin not in self.origins:
            return {"Vary": "Origin"}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", **ALLOW}

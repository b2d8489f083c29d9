"""Source-neutral HTTP request and response: adapters translate events to and from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    document: Any = None
    request_id: str = "-"
    text: str | None = None
    # The caller a JWT authorizer verified (its `sub` claim), for the log; None without one.
    caller_sub: str | None = None

    @property
    def raw_body(self) -> bytes | None:
        """The body as bytes, however the gateway delivered it."""
        if self.body is not None:
            return self.body
        return None if self.text is None else self.text.encode("utf-8", errors="surrogatepass")

    @property
    def media_type(self) -> str:
        """The first media type named in Content-Type, lower-cased, without parameters."""
        raw = self.headers.get("content-type", "")
        return raw.split(",")[0].split(";")[0].strip().lower()


@dataclass
class HttpResponse:
    """A JSON document by default; `text` replaces it for a non-JSON body (the page), whose
    Content-Type then comes from `headers`. `error_code` names the error for the log when the
    document's own error shape has no code (TF Serving's {"error": "..."})."""

    status: int
    document: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    error_code: str | None = None

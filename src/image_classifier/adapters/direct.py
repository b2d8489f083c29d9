"""Direct invocation: the event is the request document itself (sls invoke, aws lambda invoke)."""

from __future__ import annotations

from typing import Any

from image_classifier.body_limit import BodyLimit
from image_classifier.http_messages import HttpRequest, HttpResponse

CLASSIFY_PATH = "/classify"


class DirectAdapter:
    name = "direct"

    def matches(self, event: Any) -> bool:
        return True

    def to_request(
        self, event: Any, request_id: str, body_limit: BodyLimit | None = None
    ) -> HttpRequest:
        """The document arrives already parsed, with no stated size to check."""
        return HttpRequest(
            method="POST",
            path=CLASSIFY_PATH,
            headers={"content-type": "application/json"},
            document=event,
            request_id=request_id,
        )

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return response.document

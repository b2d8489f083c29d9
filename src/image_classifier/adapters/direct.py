"""Direct invocation: the event is the request document itself (sls invoke, aws lambda invoke)."""

from __future__ import annotations

from typing import Any

from image_classifier.http_messages import HttpRequest, HttpResponse

CLASSIFY_PATH = "/classify"


class DirectAdapter:
    name = "direct"

    def matches(self, event: Any) -> bool:
        return True

    def to_request(self, event: Any, request_id: str) -> HttpRequest:
        return HttpRequest(
            method="POST",
            path=CLASSIFY_PATH,
            headers={"content-type": "application/json"},
            document=event,
            request_id=request_id,
        )

    def to_response(self, response: HttpResponse) -> dict[str, Any]:
        return response.document

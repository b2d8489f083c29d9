"""How a request error becomes an answer. Each route carries one of these formats, so the native
API and TF Serving's REST API never have to ask which one they are."""

from __future__ import annotations

from collections.abc import Callable

from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpResponse

ErrorFormat = Callable[[ClassifierError, dict[str, str] | None], HttpResponse]


def native_error(exc: ClassifierError, headers: dict[str, str] | None = None) -> HttpResponse:
    """The native API's {"error": {"code", "message", "status"}}."""
    return HttpResponse(exc.status, {"error": exc.to_dict()}, headers or {}, error_code=exc.code)


def tf_serving_error(exc: ClassifierError, headers: dict[str, str] | None = None) -> HttpResponse:
    """TF Serving's {"error": "..."}; the stable code still reaches the log."""
    return HttpResponse(exc.status, {"error": exc.message}, headers or {}, error_code=exc.code)

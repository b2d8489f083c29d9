"""Errors that carry a stable code and an HTTP status, so every adapter can answer the same way."""

from __future__ import annotations


class ClassifierError(Exception):
    """A request problem the caller can fix; its message is safe to return to them."""

    code = "invalid_request"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, str | int]:
        return {"code": self.code, "message": self.message, "status": self.status}


class ImageError(ClassifierError):
    """The bytes are not an image this service can decode."""

    code = "invalid_image"


class ModelLoadError(RuntimeError):
    """A model artifact is missing or inconsistent; raised at start-up, never per request."""


class ConfigurationError(RuntimeError):
    """An environment variable holds a value the function cannot use; raised at start-up."""

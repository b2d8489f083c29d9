"""Which action a request path names: the native API, the page, or TF Serving's REST API.

Native routes match on the last path segment, so a stage prefix (`/dev/classify`) still works.
TF Serving paths put the verb after a colon (`/v1/models/digits:predict`); API Gateway cannot
template a parameter inside a segment, so serverless.yml sends `/v1/models/{path+}` here whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from image_classifier.error_formats import ErrorFormat, native_error, tf_serving_error

PAGE = {"GET": "page", "HEAD": "page"}
NATIVE: dict[str, dict[str, str]] = {
    "classify": {"POST": "classify"},
    "": {"POST": "classify", **PAGE},
    "index.html": PAGE,
    "model": {"GET": "model", "HEAD": "model"},
}
TF_SERVING = {
    "": {"GET": "tf_status"},
    "/metadata": {"GET": "tf_metadata"},
    ":predict": {"POST": "tf_predict"},
    ":classify": {"POST": "tf_classify"},
}
_TF_PATH = re.compile(
    r"(?:^|/)v1/models/(?P<model>[^/:]+)(?:/versions/(?P<version>[^/:]+))?"
    r"(?P<verb>:[^/:]*|/metadata)?$"
)
_TF_PREFIX = re.compile(r"(?:^|/)v1/")


@dataclass(frozen=True)
class Route:
    """The actions a path offers by method (none for an unknown path), and how it answers errors."""

    actions: Mapping[str, str]
    tf_serving: bool = False
    model: str = ""
    version: str | None = None
    error_format: ErrorFormat = native_error

    @property
    def allow(self) -> str:
        return ", ".join((*self.actions, "OPTIONS"))


def resolve(path: str) -> Route:
    """The route for a path: TF-shaped paths answer errors as TF Serving does, the rest natively."""
    path = unquote(path).rstrip("/")
    match = _TF_PATH.search(path)
    if match:
        actions = TF_SERVING.get(match["verb"] or "", {})
        return Route(actions, True, match["model"], match["version"], error_format=tf_serving_error)
    if _TF_PREFIX.search(path):
        return Route({}, tf_serving=True, error_format=tf_serving_error)
    return Route(NATIVE.get(path.rsplit("/", 1)[-1], {}))

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
    """The actions a path offers by method; empty when the path is TF-shaped but unknown."""

    actions: Mapping[str, str]
    tf_serving: bool = False
    model: str = ""
    version: str | None = None

    @property
    def allow(self) -> str:
        return ", ".join((*self.actions, "OPTIONS"))


def resolve(path: str) -> Route | None:
    """The route for a path, or None for no route at all (a native 404)."""
    path = unquote(path).rstrip("/")
    match = _TF_PATH.search(path)
    if match:
        actions = TF_SERVING.get(match["verb"] or "", {})
        return Route(actions, tf_serving=True, model=match["model"], version=match["version"])
    if _TF_PREFIX.search(path):
        return Route({}, tf_serving=True)
    native = NATIVE.get(path.rsplit("/", 1)[-1])
    return None if native is None else Route(native)

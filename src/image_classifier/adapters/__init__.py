"""Event-source adapters, tried in order: the most specific shape first, direct invocation last."""

from __future__ import annotations

from typing import Any

from image_classifier.adapters.alb import AlbAdapter, AlbMultiValueAdapter, LatticeAdapter
from image_classifier.adapters.base import Adapter
from image_classifier.adapters.direct import DirectAdapter
from image_classifier.adapters.function_url import FunctionUrlAdapter
from image_classifier.adapters.http_api import HttpApiAdapter
from image_classifier.adapters.rest_api import RestApiAdapter

# ALB events also carry httpMethod and requestContext, so they must be tried before REST v1.
ADAPTERS: tuple[Adapter, ...] = (
    AlbMultiValueAdapter(),
    AlbAdapter(),
    LatticeAdapter(),
    FunctionUrlAdapter(),
    HttpApiAdapter(),
    RestApiAdapter(),
    DirectAdapter(),
)


def detect(event: Any) -> Adapter:
    return next(adapter for adapter in ADAPTERS if adapter.matches(event))

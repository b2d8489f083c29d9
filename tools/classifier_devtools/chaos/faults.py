"""The faults the function's S3 client meets: answered before the request leaves, so botocore's
own retry decisions handle them as they would real 503s and 500s, with the delays zeroed."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock


@dataclass
class Faults:
    """Injected into the function's S3 client before each request is sent."""

    throttle_rate: float
    error_rate: float
    rng: random.Random
    injected: Counter[str] = field(default_factory=Counter)

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        if self.rng.random() < self.throttle_rate:
            self.injected[f"throttle {operation}"] += 1
            return _error_response(request.url, 503, "SlowDown")
        if operation in ("GetObject", "PutObject") and self.rng.random() < self.error_rate:
            self.injected[f"500 {operation}"] += 1
            return _error_response(request.url, 500, "InternalError")
        return None


class _Raw:
    """The urllib3-like body botocore reads from a response."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def _error_response(url: str, status: int, code: str) -> Any:
    from botocore.awsrequest import AWSResponse

    body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
    return AWSResponse(url, status, {"Content-Type": "application/xml"}, _Raw(body))


@contextlib.contextmanager
def no_retry_delays() -> Iterator[None]:
    """botocore retries as it decides to, without waiting: the run's time is compressed."""
    from botocore.retries import standard

    with mock.patch.object(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0):
        yield

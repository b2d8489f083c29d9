"""Structured log lines through Powertools' Logger: one JSON object per line, on stdout.

Every serving module logs through `log(event, level, **fields)`. A line holds the level,
`cold_start`, the function's name, version and request id, the API Gateway request id as
`correlation_id`, the service, and the caller's fields; `message` and `event` both name what
happened (`event` is the key queries and tests filter on). Callers never pass image bytes or
request text. Entry points run inside `invocation` (handler.py wraps them with `entry_point`),
so S3 and batch lines carry the same context as HTTP ones.

Only `aws_lambda_powertools.logging.logger` is imported here, never the package's utilities.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import IO, Any, TypeVar, cast

from aws_lambda_powertools.logging.logger import Logger

T = TypeVar("T")

LOGGER_NAME = "image_classifier"
# The per-invocation keys, removed again when the invocation ends.
CONTEXT_KEYS = (
    "cold_start",
    "function_name",
    "function_version",
    "function_request_id",
    "function_memory_size",
    "function_arn",
    "correlation_id",
)
# A LogRecord's own attribute names cannot be extra fields; such a field gets a "_" suffix.
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _CurrentStdout:
    """Writes to whatever sys.stdout is at write time (Lambda, sls and pytest all swap it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@dataclass
class _State:
    level: str = "INFO"
    sampling_rate: float = 0.0
    cold_start: bool = True


LOGGER = Logger(service=LOGGER_NAME, level="INFO", stream=cast(IO[str], _CurrentStdout()), utc=True)
_STATE = _State()
_METHODS = {
    logging.DEBUG: LOGGER.debug,
    logging.INFO: LOGGER.info,
    logging.WARNING: LOGGER.warning,
    logging.ERROR: LOGGER.error,
    logging.CRITICAL: LOGGER.critical,
}


def configure(service: str, level: str, sampling_rate: float) -> None:
    """Applies the settings at init; the logger exists before them so that imports can log."""
    _STATE.level, _STATE.sampling_rate = level, sampling_rate
    LOGGER.append_keys(service=service, sampling_rate=sampling_rate)
    LOGGER.setLevel(level)


def log(event: str, level: int = logging.INFO, **fields: object) -> None:
    """One JSON line named `event`; the fields become top-level keys."""
    method = _METHODS.get(level) or _METHODS[max((n for n in _METHODS if n <= level), default=10)]
    extra = {f"{k}_" if k in _RESERVED else k: v for k, v in fields.items()}
    # stacklevel 3: `location` names log()'s caller, not this function or Powertools'.
    method(event, stacklevel=3, extra={"event": event, **extra})


@contextmanager
def invocation(event: Any, context: Any) -> Iterator[None]:
    """The Lambda context on every line logged inside; DEBUG for a sampled share of them."""
    sampled = _STATE.sampling_rate > 0 and random.random() < _STATE.sampling_rate
    LOGGER.setLevel("DEBUG" if sampled else _STATE.level)
    LOGGER.append_keys(
        cold_start=_STATE.cold_start,
        function_name=getattr(context, "function_name", None)
        or os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        function_version=getattr(context, "function_version", None)
        or os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        function_request_id=getattr(context, "aws_request_id", None),
        function_memory_size=getattr(context, "memory_limit_in_mb", None),
        function_arn=getattr(context, "invoked_function_arn", None),
    )
    LOGGER.set_correlation_id(gateway_request_id(event))
    _STATE.cold_start = False
    try:
        yield
    finally:
        LOGGER.remove_keys(CONTEXT_KEYS)


def entry_point(handler: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """Runs a Lambda handler inside `invocation`; every entry point in handler.py has it."""

    @wraps(handler)
    def run(event: Any, context: Any = None) -> T:
        with invocation(event, context):
            return handler(event, context)

    return run


def gateway_request_id(event: Any) -> str | None:
    """requestContext.requestId of API Gateway (HTTP and REST) and Function URL events."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    request_id = context.get("requestId") if isinstance(context, dict) else None
    return request_id if isinstance(request_id, str) and request_id else None


def fault_location(exc: BaseException) -> str:
    """Where an unexpected exception was raised, as file:line, without logging a stack trace."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def elapsed_ms(started: float) -> float:
    """Milliseconds since a time.perf_counter() reading, rounded for logs."""
    return round((time.perf_counter() - started) * 1000, 3)

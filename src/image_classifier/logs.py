"""One JSON object per log line, on stderr, so CloudWatch Logs Insights can query the fields."""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback

_logger = logging.getLogger("image_classifier")


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at emit time (Lambda, sls and pytest all swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(record.getMessage() + "\n")


if not _logger.handlers:
    _logger.addHandler(_StderrHandler())
    _logger.setLevel(logging.INFO)
    _logger.propagate = False


def log(event: str, level: int = logging.INFO, **fields: object) -> None:
    _logger.log(level, json.dumps({"event": event, **fields}, default=str))


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

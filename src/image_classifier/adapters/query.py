"""Query strings, from whichever of the raw string or the parsed map an event carries."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from image_classifier.adapters.base import string_map


def parse_query(raw: Any, parsed: Any) -> dict[str, str]:
    if isinstance(raw, str) and raw:
        return dict(parse_qsl(raw, keep_blank_values=True))
    return string_map(parsed)

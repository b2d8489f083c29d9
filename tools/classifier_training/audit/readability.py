"""Unreadable files: what the image cache could not decode (truncated, empty, not an image,
a decompression bomb) and the files skipped for their name, each with the reason."""

from __future__ import annotations

from classifier_training.audit.document import UNREADABLE, Finding
from classifier_training.cache import ImageCache


def unreadable(cache: ImageCache, paths: list[str], skipped: list[str]) -> list[Finding]:
    """`paths` are the display paths of the cache's rows; `skipped` those never decoded."""
    findings = [
        Finding(UNREADABLE, (paths[row],), 1.0, message)
        for row, message in sorted(cache.errors.items())
    ]
    findings += [
        Finding(UNREADABLE, (path,), 1.0, "not an image file name: skipped")
        for path in sorted(skipped)
    ]
    return findings

"""The importer's errors, free of TensorFlow so the CLI can report them before it loads."""

from __future__ import annotations


class ImportInputError(Exception):
    """The source, labels or flags cannot make a servable model; the CLI exits with code 2."""


class ImportParityError(Exception):
    """The imported graph disagrees with the source's own runtime; the CLI exits with code 3."""

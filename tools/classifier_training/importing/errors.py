"""The importer's errors: training's own kinds, so both CLIs answer with the same exit codes."""

from __future__ import annotations

from classifier_training.errors import ParityError, TrainingInputError


class ImportInputError(TrainingInputError):
    """The source, labels or flags cannot make a servable model; the CLI exits with code 2."""


class ImportParityError(ParityError):
    """The imported graph disagrees with the source's own runtime; the CLI exits with code 3."""

"""Training's errors, free of TensorFlow so the CLI can name them before TensorFlow loads."""

from __future__ import annotations


class TrainingInputError(Exception):
    """Bad input to training; the CLI reports it and exits with code 2."""


class ParityError(Exception):
    """ONNX Runtime disagrees with Keras beyond the allowed bounds; the CLI exits with code 3."""

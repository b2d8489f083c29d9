"""Training's errors, free of TensorFlow so the CLIs can name them before TensorFlow loads."""

from __future__ import annotations

import sys
from collections.abc import Callable


class TrainingInputError(Exception):
    """Bad input to training or import; the CLI reports it and exits with code 2."""


class ParityError(Exception):
    """ONNX Runtime disagrees with the source model beyond the bounds; the CLI exits with 3."""


def exit_code(job: Callable[[], object]) -> int:
    """Run a CLI's job: 0, or 2 for bad input and 3 for failed parity, with a one-line message."""
    try:
        job()
    except TrainingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ParityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0

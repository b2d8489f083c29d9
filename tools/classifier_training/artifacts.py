"""Atomic output: build the model directory beside the target, then swap it in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from classifier_training.errors import TrainingInputError


def check_writable(output: Path) -> None:
    """Fail before training, not after, when the output cannot be written."""
    parent = output.resolve().parent
    if output.exists() and not output.is_dir():
        raise TrainingInputError(f"output {output} exists and is not a directory")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise TrainingInputError(f"output {output} is not writable (check {parent})")
    if output.is_dir() and not os.access(output, os.W_OK | os.X_OK):
        raise TrainingInputError(f"output {output} is not writable")


def write_atomically(output: Path, build: Callable[[Path], None]) -> None:
    """`build` fills a temporary directory; only a complete one replaces `output`."""
    output = output.resolve()
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        build(staging)
        staging.chmod(0o755)
        if output.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old.", dir=output.parent))
            previous = retired / output.name
            try:
                output.rename(previous)
                staging.rename(output)
            except BaseException:
                if previous.exists():  # interrupted between the renames: put it back
                    previous.rename(output)
                retired.rmdir()
                raise
            shutil.rmtree(retired)
        else:
            staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

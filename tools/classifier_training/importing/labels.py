"""Read the class labels: a JSON list, or a text file with one label per line."""

from __future__ import annotations

import json
from pathlib import Path

from classifier_training.importing.errors import ImportInputError


def read_labels(path: Path) -> list[str]:
    """Labels in output order; blank lines are ignored, duplicates refused."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportInputError(f"--labels {path}: cannot read it ({exc})") from exc
    if text.lstrip().startswith("["):
        try:
            labels = json.loads(text)
        except ValueError as exc:
            raise ImportInputError(f"--labels {path}: not a valid JSON list ({exc})") from exc
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ImportInputError(f"--labels {path}: the JSON must be a list of strings")
    else:
        labels = [line.strip() for line in text.splitlines() if line.strip()]
    if not labels:
        raise ImportInputError(f"--labels {path}: no labels in it")
    if len(set(labels)) != len(labels):
        raise ImportInputError(f"--labels {path}: labels must be distinct")
    return labels

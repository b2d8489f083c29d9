"""A bench run's results, small enough to edit figure by figure in a test.

data/benchmarks.json is the committed run (tools/classifier_bench/results/benchmarks.json)
trimmed to what the targets read: pinned only, the 640 by 480 photo only, every engine of
efficientnet_lite0 but only onnxruntime for digits, the shipped tuning configuration, and
this project's deploy package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).parent / "data" / "benchmarks.json"
# The report's ratio sign, spelled out because it looks like an x.
TIMES = "\N{MULTIPLICATION SIGN}"


def sample_document() -> dict[str, Any]:
    """A fresh copy of the trimmed run, for a test to change."""
    document: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return document

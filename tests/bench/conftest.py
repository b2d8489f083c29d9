"""The trimmed bench run (see sample.py), fresh for each test that changes it."""

from __future__ import annotations

from typing import Any

import pytest

from classifier_bench.verdicts import HEADLINE
from tests.bench.sample import sample_document


@pytest.fixture
def document() -> dict[str, Any]:
    return sample_document()


@pytest.fixture
def headline(document: dict[str, Any]) -> dict[str, Any]:
    """The headline model's figures inside `document`."""
    model: dict[str, Any] = document["models"][HEADLINE]
    return model

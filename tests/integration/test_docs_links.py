"""The README and the pages under docs/ link only to files and headings that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.factories import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
TARGET = re.compile(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"")


def relative_targets(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text())
    found = [a or b for a, b in TARGET.findall(text)]
    return [t for t in found if not re.match(r"[a-z]+:", t)]


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", page.read_text()), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_exists(page: Path) -> None:
    broken = []
    for target in relative_targets(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        names_heading = bool(anchor) and resolved.suffix == ".md"
        if not resolved.exists() or (names_heading and anchor not in anchors(resolved)):
            broken.append(target)
    assert broken == []

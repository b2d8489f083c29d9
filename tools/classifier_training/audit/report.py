"""The human report beside audit.json: audit.md with a strip of thumbnails for each finding,
and label_issues.png, a grid of the most suspect labels with what they were filed as and what
the other photos suggest. Drawn with Pillow: a few milliseconds a strip, not a plot each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from classifier_training.audit.document import (
    CLASS_IMBALANCE,
    KINDS,
    LABEL_ISSUE,
    AuditDocument,
    Finding,
)

TILE = 128
MAX_TILES = 6  # per strip
GRID_COLUMNS = 4
GRID_ISSUES = 16
THUMBNAILS = "thumbnails"
LABEL_ISSUES_PICTURE = "label_issues.png"
Pixels = Callable[[str], np.ndarray | None]  # a finding's path -> its decoded pixels, if any


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _tile(pixels: np.ndarray | None, lines: list[str], side: int = TILE) -> Image.Image:
    tile = Image.new("RGB", (side, side + 14 * len(lines) + 4), "white")
    if pixels is None:
        ImageDraw.Draw(tile).rectangle((0, 0, side - 1, side - 1), fill=(200, 200, 200))
        ImageDraw.Draw(tile).text((8, side // 2 - 6), "not decodable", fill="black", font=_font(12))
    else:
        image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
        tile.paste(image.convert("RGB").resize((side, side), Image.Resampling.BILINEAR))
    draw = ImageDraw.Draw(tile)
    for number, line in enumerate(lines):
        draw.text((2, side + 2 + 14 * number), _fit(line, side), fill="black", font=_font(11))
    return tile


def _folder_and_name(path: str) -> list[str]:
    folder, _, name = path.rpartition("/")
    return [folder or ".", name]


def _fit(text: str, width: int) -> str:
    limit = width // 6
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def strip(finding: Finding, pixels: Pixels) -> Image.Image:
    tiles = [_tile(pixels(path), _folder_and_name(path)) for path in finding.paths[:MAX_TILES]]
    out = Image.new("RGB", (len(tiles) * (TILE + 4), max(t.height for t in tiles)), "white")
    for number, tile in enumerate(tiles):
        out.paste(tile, (number * (TILE + 4), 0))
    return out


def label_issue_grid(findings: list[Finding], pixels: Pixels, side: int = 180) -> Image.Image:
    """The most suspect labels: each photo with its folder and the suggested class."""
    shown = findings[:GRID_ISSUES]
    columns = min(GRID_COLUMNS, max(1, len(shown)))
    rows = max(1, -(-len(shown) // columns))
    tiles = [
        _tile(
            pixels(f.paths[0]),
            [
                *_folder_and_name(f.paths[0]),
                f"suggested {f.suggested_label} ({f.score:.2f})",
            ],
            side,
        )
        for f in shown
    ]
    height = max((t.height for t in tiles), default=side)
    grid = Image.new("RGB", (columns * (side + 6), rows * (height + 6)), "white")
    for number, tile in enumerate(tiles):
        grid.paste(tile, ((number % columns) * (side + 6), (number // columns) * (height + 6)))
    return grid


def write_report(directory: Path, document: AuditDocument, pixels: Pixels, seconds: float) -> None:
    """audit.json, audit.md, a thumbnail strip per finding and the label-issue grid."""
    directory.mkdir(parents=True, exist_ok=True)
    document.write(directory)
    thumbnails = directory / THUMBNAILS
    thumbnails.mkdir(exist_ok=True)
    counts = document.counts()
    lines = [
        "# Data audit",
        "",
        f"{document.files} files, {document.images} readable images in "
        f"{len(document.classes)} classes; {len(document.flagged_files())} files named by a "
        f"finding; {seconds:.1f} s.",
        "",
        "| class | images |",
        "| --- | --- |",
        *(f"| {name} | {count} |" for name, count in document.classes.items()),
        "",
        "| finding | count |",
        "| --- | --- |",
        *(f"| {kind} | {counts[kind]} |" for kind in KINDS),
    ]
    for check, reason in document.skipped_checks.items():
        lines.append(f"\n`{check}` not checked: {reason}.")
    issues = document.of_kind(LABEL_ISSUE)
    if issues:
        label_issue_grid(issues, pixels).save(directory / LABEL_ISSUES_PICTURE)
        lines += [
            "",
            f"![the {min(len(issues), GRID_ISSUES)} most suspect labels]({LABEL_ISSUES_PICTURE})",
        ]
    number = 0
    for kind in KINDS:
        found = document.of_kind(kind)
        if not found:
            continue
        lines += ["", f"## {kind} ({len(found)})", ""]
        for finding in found:
            number += 1
            suggestion = (
                f" Suggested: **{finding.suggested_label}**." if finding.suggested_label else ""
            )
            names = ", ".join(f"`{p}`" for p in finding.paths)
            lines.append(
                f"{number}. {names}: {finding.detail} (score {finding.score:.3f}).{suggestion}"
            )
            if kind != CLASS_IMBALANCE:
                name = f"{THUMBNAILS}/{number:04d}.png"
                strip(finding, pixels).save(directory / name)
                lines.append(f"\n   ![{kind} {number}]({name})\n")
    (directory / "audit.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

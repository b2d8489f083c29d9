"""What one import was asked to do: the CLI's flags as a typed value the pipeline reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ImportPlan:
    """The source and where to write it; None leaves a setting to the preset, the model or the
    default (see resolve.py)."""

    source: Path
    labels: Path
    output: Path
    preset: str | None = None
    image_size: tuple[int, int] | None = None
    color_mode: str | None = None
    layout: str | None = None
    resize: str | None = None
    scale: float | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    output_kind: str | None = None
    input_name: str | None = None
    output_name: str | None = None
    name: str | None = None
    model_version: str = "1.0.0"
    sample_dir: Path | None = None
    eval_dir: Path | None = None

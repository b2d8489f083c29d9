"""Training report: curves, confusion matrix and a markdown summary next to the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def write_report(
    directory: Path,
    history: dict[str, list[float]],
    confusion: np.ndarray,
    metadata: dict[str, Any],
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _plot_curves(directory / "curves.png", history)
    _plot_confusion(directory / "confusion.png", confusion, metadata["labels"])
    (directory / "report.md").write_text(_summary(metadata), encoding="utf-8")


def _plot_curves(path: Path, history: dict[str, list[float]]) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ("loss", "accuracy"), strict=True):
        axis.plot(history[metric], label="train")
        axis.plot(history[f"val_{metric}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_confusion(path: Path, confusion: np.ndarray, labels: list[str]) -> None:
    figure, axis = plt.subplots(figsize=(6, 5))
    image = axis.imshow(confusion, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels)
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for (row, col), count in np.ndenumerate(confusion):
        axis.text(col, row, str(count), ha="center", va="center", fontsize=8)
    figure.colorbar(image)
    axis.set_title("test confusion matrix")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _summary(metadata: dict[str, Any]) -> str:
    metrics, parity, data = metadata["metrics"], metadata["parity"], metadata["dataset"]
    rows = "\n".join(
        f"| {label} | {figures['precision']:.3f} | {figures['recall']:.3f} | {figures['support']} |"
        for label, figures in metrics["per_class"].items()
    )
    baselines = "\n".join(
        f"| {name} | {accuracy:.4f} |" for name, accuracy in metrics["baselines"].items()
    )
    return f"""# Training report: {metadata["name"]} v{metadata["version"]}

Dataset `{data["name"]}` (sha256 `{data["content_hash"][:16]}…`), splits {data["splits"]}.

| model | test accuracy |
| --- | --- |
| CNN | {metrics["test_accuracy"]:.4f} |
{baselines}

ONNX parity on {parity["samples"]} test images: max abs diff {parity["max_abs_diff"]:.2e},
top-1 agreement {parity["top1_agreement"]:.2%}. Stopped after {metrics["epochs_run"]} epochs.

| class | precision | recall | support |
| --- | --- | --- | --- |
{rows}

![curves](curves.png)
![confusion](confusion.png)
"""

"""Training report beside the model: curves for both phases, the confusion matrix, per-class
F1, a gallery of the worst test errors, the audit's most suspect labels, and a markdown
summary that links them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

PICTURES = ("curves.png", "confusion.png", "f1.png", "errors.png")
LABEL_ISSUES_PICTURE = "label_issues.png"  # only when the audit found suspect labels
LABEL_ISSUES_SHOWN = 16


def write_report(
    directory: Path,
    phases: list[tuple[str, dict[str, list[float]]]],
    confusion: np.ndarray,
    metadata: dict[str, Any],
    errors: list[dict[str, Any]],
    error_images: np.ndarray,
    suspects: list[dict[str, Any]] | None = None,
    suspect_images: np.ndarray | None = None,
) -> None:
    """Write the pictures and report.md into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    _plot_curves(directory / "curves.png", phases)
    _plot_confusion(directory / "confusion.png", confusion, metadata["labels"])
    _plot_f1(directory / "f1.png", metadata["metrics"]["per_class"])
    _plot_errors(directory / "errors.png", errors, error_images)
    summary = _summary(metadata, len(errors))
    if suspects and suspect_images is not None:
        _plot_suspects(directory / LABEL_ISSUES_PICTURE, suspects, suspect_images)
        summary += _suspects_summary(metadata, len(suspects))
    (directory / "report.md").write_text(summary, encoding="utf-8")


def _plot_curves(path: Path, phases: list[tuple[str, dict[str, list[float]]]]) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ("loss", "accuracy"), strict=True):
        start = 0
        for number, (name, history) in enumerate(phases):
            epochs = np.arange(start + 1, start + len(history[metric]) + 1)
            style = "-" if number == 0 else "--"
            axis.plot(epochs, history[metric], style, color="C0", label=f"train ({name})")
            axis.plot(
                epochs, history[f"val_{metric}"], style, color="C1", label=f"validation ({name})"
            )
            if number:
                axis.axvline(start + 0.5, color="grey", linewidth=0.8)
            start += len(history[metric])
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_title(metric)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_confusion(path: Path, confusion: np.ndarray, labels: list[str]) -> None:
    figure, axis = plt.subplots(figsize=(6, 5))
    image = axis.imshow(confusion, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    threshold = confusion.max() / 2 if confusion.size else 0
    for (row, col), count in np.ndenumerate(confusion):
        colour = "white" if count > threshold else "black"
        axis.text(col, row, str(count), ha="center", va="center", fontsize=8, color=colour)
    figure.colorbar(image)
    axis.set_title("test confusion matrix")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_f1(path: Path, per_class: dict[str, dict[str, float]]) -> None:
    labels = list(per_class)
    f1 = [per_class[label]["f1"] for label in labels]
    figure, axis = plt.subplots(figsize=(max(5, 0.6 * len(labels) + 2), 3.5))
    bars = axis.bar(range(len(labels)), f1, color="C2")
    axis.bar_label(bars, [f"{v:.2f}" for v in f1], fontsize=8)
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_ylim(0, 1.08)
    axis.set_ylabel("F1 on the test split")
    axis.set_title(f"per-class F1 (macro {np.mean(f1):.3f})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_errors(path: Path, errors: list[dict[str, Any]], images: np.ndarray) -> None:
    """A grid of misclassified test images, the most confident mistakes first."""
    titles = [f"true {e['true']}\npredicted {e['predicted']} ({e['score']:.2f})" for e in errors]
    heading = "worst test errors (most confident first)"
    _plot_gallery(path, titles, images, heading, "no test errors")


def _plot_suspects(path: Path, suspects: list[dict[str, Any]], images: np.ndarray) -> None:
    """The audit's most suspect labels: each photo, its folder and the class the data suggests."""
    titles = [
        f"filed {s['given']}\nsuggested {s['suggested']} ({s['score']:.2f})" for s in suspects
    ]
    _plot_gallery(
        path, titles, images, "suspect labels (audit, most suspect first; kept unless dropped)"
    )


def _plot_gallery(
    path: Path, titles: list[str], images: np.ndarray, heading: str, empty: str | None = None
) -> None:
    """Images four to a row, each under its title."""
    columns = 4
    rows = max(1, -(-len(titles) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.9 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, title, image in zip(axes.flat, titles, images, strict=False):
        pixels = image[..., 0] if image.shape[-1] == 1 else image
        axis.imshow(pixels, cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=255)
        axis.set_title(title, fontsize=8)
    if not titles and empty:
        axes.flat[0].text(0.5, 0.5, empty, ha="center", va="center")
    figure.suptitle(heading, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _suspects_summary(metadata: dict[str, Any], shown: int) -> str:
    audit = metadata["audit"]
    action = "left out of training" if audit["label_issues_dropped"] else "kept in training"
    return f"""
Audit: {audit["findings"]["label_issue"]} suspect labels ({action}); every finding is in
audit.json.

![suspect labels ({shown} shown)]({LABEL_ISSUES_PICTURE})
"""


def _summary(metadata: dict[str, Any], shown_errors: int) -> str:
    metrics, parity, data = metadata["metrics"], metadata["parity"], metadata["dataset"]
    backbone = metadata["backbone"]
    rows = "\n".join(
        f"| {label} | {f['precision']:.3f} | {f['recall']:.3f} | {f['f1']:.3f} | {f['support']} |"
        for label, f in metrics["per_class"].items()
    )
    baselines = "\n".join(
        f"| {name} | {accuracy:.4f} |" for name, accuracy in metrics["baselines"].items()
    )
    phases = "; ".join(
        f"{p['phase']} ({p['trains']}) {p['epochs_run']} epochs, {p['optimizer']} from "
        f"{p['learning_rate']:g}, {p['schedule']}"
        for p in metadata["training"]["phases"]
    )
    refereed = (
        f" {parity['refereed']} images over the bound were judged against a float64 run of the "
        f"model: ONNX Runtime {parity['refereed_max_abs_diff']:.2e} from it, Keras "
        f"{parity['keras_refereed_max_abs_diff']:.2e}."
        if parity.get("refereed")
        else ""
    )
    return f"""# Training report: {metadata["name"]} v{metadata["version"]}

Backbone `{backbone["name"]}`, weights `{backbone["weights"]["source"]}`; input
{metadata["input"]["height"]}x{metadata["input"]["width"]} {metadata["input"]["color_mode"]}.
Dataset `{data["name"]}` (sha256 `{data["content_hash"][:16]}…`, cache `{data["cache_key"]}`),
splits {data["splits"]}. Training: {phases}.

| model | test accuracy |
| --- | --- |
| {backbone["name"]} | {metrics["test_accuracy"]:.4f} |
{baselines}

Macro-F1 {metrics["macro_f1"]:.4f}. ONNX parity on {parity["samples"]} test images: max abs
diff {parity["max_abs_diff"]:.2e}, top-1 agreement {parity["top1_agreement"]:.2%}.{refereed}

| class | precision | recall | F1 | support |
| --- | --- | --- | --- | --- |
{rows}

![loss and accuracy, both phases](curves.png)
![confusion matrix](confusion.png)
![per-class F1](f1.png)
![worst test errors ({shown_errors} shown)](errors.png)
"""

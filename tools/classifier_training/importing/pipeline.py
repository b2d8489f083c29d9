"""The import as short named steps: read, convert, parity, evaluate, write. Each prints one
numbered line; only the last touches the output, so a refusal or failed parity writes nothing."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort

from classifier_training.artifacts import check_writable, write_atomically
from classifier_training.importing import samples as sample_sets
from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.evaluation import evaluate as accuracy
from classifier_training.importing.evaluation import monitoring
from classifier_training.importing.formats import load_source
from classifier_training.importing.graph import compose_graph
from classifier_training.importing.labels import read_labels
from classifier_training.importing.parity import (
    ImportParity,
    compare,
    imported_probabilities,
    row_sum_warning,
    source_probabilities,
)
from classifier_training.importing.plan import ImportPlan
from classifier_training.importing.preprocessing import Preprocessing
from classifier_training.importing.resolve import resolve
from classifier_training.importing.samples import Samples
from classifier_training.importing.source import ImportSource, Shape
from image_classifier.model_folder import CardHeader, write_model_folder
from image_classifier.preprocessing import InputSpec

STEPS = ("read", "convert", "parity", "evaluate", "write")
FRAMEWORKS = ("tensorflow-cpu", "keras", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert")


def step(name: str, message: str) -> None:
    print(f"[{STEPS.index(name) + 1}/{len(STEPS)}] {message}", flush=True)


@dataclass(frozen=True)
class Opened:
    """The source, its labels, and the preprocessing settled for it."""

    labels: list[str]
    source: ImportSource
    prep: Preprocessing
    shape: Shape
    spec: InputSpec


@dataclass(frozen=True)
class Checked:
    """Both runtimes' answers on the parity images; the evaluation images come last."""

    expected: np.ndarray
    actual: np.ndarray
    parity: ImportParity
    warning: str | None
    evaluation_set: Samples | None


def read(plan: ImportPlan) -> Opened:
    """Labels and the output's writability first, then the source and its preprocessing."""
    labels = read_labels(plan.labels)
    check_writable(plan.output)
    step("read", f"read: {plan.source}")
    source = load_source(plan.source, plan.input_name, plan.output_name)
    prep, shape = resolve(plan, source)
    spec = InputSpec(prep.height, prep.width, prep.serving_color_mode, prep.resize)
    width = source.output.shape[-1] if len(source.output.shape) == 2 else None
    if width is not None and width != len(labels):
        raise ImportInputError(f"{len(labels)} labels but the model outputs {width} classes")
    print(
        f"    {source.kind}, input {list(source.input.shape)} {source.input.dtype}, {prep.layout}"
    )
    return Opened(labels, source, prep, shape, spec)


def convert(plan: ImportPlan, opened: Opened) -> onnx.ModelProto:
    """The source as ONNX, with its preprocessing before it and its softmax after it."""
    source, prep = opened.source, opened.prep
    step("convert", f"one graph: {', '.join(prep.folded_steps()) or 'nothing to fold'}")
    try:
        converted = source.convert(opened.shape)
    except ImportInputError:
        raise
    except Exception as exc:
        raise ImportInputError(f"tf2onnx could not convert {plan.source} ({exc})") from exc
    graph = compose_graph(
        converted,
        source.input.name,
        source.output.name,
        prep,
        len(opened.labels),
        source.fixed_batch,
    )
    if source.fixed_batch:
        print("    the source's batch is fixed at 1: the graph runs it once per image (Scan)")
        source.provenance["fixed_batch"] = True
    return graph


def verify(plan: ImportPlan, opened: Opened, model: bytes) -> Checked:
    """The imported graph against the source's own runtime; ImportParityError beyond the bound."""
    step("parity", "parity with the source's own runtime")
    sets = []
    if plan.sample_dir:
        sets.append(sample_sets.from_folder(plan.sample_dir, opened.spec))
    evaluation_set = (
        sample_sets.from_eval_dir(plan.eval_dir, opened.spec, opened.labels)
        if plan.eval_dir
        else None
    )
    if evaluation_set is not None:
        sets.append(evaluation_set)
    if not sets:
        sets.append(sample_sets.generated(opened.spec))
    raw = np.concatenate([s.pixels for s in sets])
    origin = " + ".join(s.origin for s in sets)
    expected = source_probabilities(opened.source, opened.prep, raw)
    if expected.shape[1] != len(opened.labels):
        raise ImportInputError(
            f"{len(opened.labels)} labels but the model outputs {expected.shape[1]} classes"
        )
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    actual = imported_probabilities(session, raw)
    parity = compare(expected, actual, opened.prep, origin)
    print(
        f"    {parity.samples} images: max |dp| {parity.max_abs_diff:.2e} "
        f"(bound {parity.bound:.1e}), top-1 agreement {parity.top1_agreement:.2%}"
    )
    warning = row_sum_warning(expected, opened.prep)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return Checked(expected, actual, parity, warning, evaluation_set)


def evaluate(opened: Opened, checked: Checked) -> dict[str, Any]:
    """With --eval-dir: the card's evaluation, metrics and monitoring sections."""
    step("evaluate", "evaluation")
    samples = checked.evaluation_set
    if samples is None or samples.targets is None:
        print("    skipped (no --eval-dir)")
        return {"metrics": {}}
    n = len(samples.pixels)
    served, by_source = checked.actual[-n:], checked.expected[-n:]
    evaluation = {
        **accuracy(served, by_source, samples.targets, opened.labels),
        "skipped_files": samples.skipped,
    }
    print(
        f"    served accuracy {evaluation['test_accuracy']:.4f}, source runtime "
        f"{evaluation['source_accuracy']:.4f} on {n} images"
    )
    return {
        "metrics": {"test_accuracy": evaluation["test_accuracy"]},
        "evaluation": evaluation,
        "monitoring": monitoring(served, samples.targets, opened.labels),
    }


def write(plan: ImportPlan, model: bytes, header: CardHeader, sections: dict[str, Any]) -> None:
    step("write", f"write: {plan.output} (atomically)")

    def build(directory: Path) -> None:
        write_model_folder(directory, model, header, sections)

    write_atomically(plan.output, build)


def run(plan: ImportPlan) -> None:
    """Every step in order; the card records the source, what was folded, parity and accuracy."""
    opened = read(plan)
    graph = convert(plan, opened)
    model = graph.SerializeToString()
    checked = verify(plan, opened, model)
    measured = evaluate(opened, checked)
    header = CardHeader(
        plan.name or plan.source.stem, plan.model_version, opened.labels, opened.spec
    )
    sections: dict[str, Any] = {
        "source": opened.source.provenance,
        "preprocessing": opened.prep.to_dict(),
        "parity": checked.parity.to_dict(),
        "metrics": measured.pop("metrics"),
        "frameworks": frameworks(graph),
    }
    if checked.warning:
        sections["warnings"] = [checked.warning]
    write(plan, model, header, {**sections, **measured})


def frameworks(graph: onnx.ModelProto) -> dict[str, str | int]:
    """Package versions, and the opset of the graph written (the source's own for ONNX)."""
    from importlib.metadata import PackageNotFoundError, version

    opset = next(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx"))
    found: dict[str, str | int] = {"opset": opset}
    for package in FRAMEWORKS:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found

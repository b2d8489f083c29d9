"""Import a classifier trained elsewhere: Keras, TFLite or ONNX in; model.onnx, labels.json and
metadata.json out, exactly as training writes them, with the source's preprocessing folded in.

Exit codes: 0 written; 2 bad input (nothing written); 3 the imported graph disagrees with
the source's own runtime beyond the bounds (nothing written).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from classifier_training.errors import exit_code
from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.preprocessing import PRESETS
from image_classifier.preprocessing import RESAMPLING


def _image_size(value: str) -> tuple[int, int]:
    try:
        parts = [int(p) for p in value.lower().split("x")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give one side (224) or HxW (224x160)")
    return parts[0], parts[1]


def _number(value: str) -> float:
    """A float or a fraction such as 1/255."""
    try:
        return float(Fraction(value))
    except (ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: not a number") from exc


def _values(value: str) -> list[float]:
    return [_number(v) for v in value.split(",") if v.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help=".keras, .h5, SavedModel dir, .tflite or .onnx")
    parser.add_argument("--labels", type=Path, required=True, help="one per line, or a JSON list")
    parser.add_argument("--output", type=Path, required=True, help="the model directory to write")
    parser.add_argument("--preset", choices=sorted(PRESETS), help="a known source's preprocessing")
    parser.add_argument("--image-size", type=_image_size, help="N or HxW; needed if dynamic")
    parser.add_argument("--color-mode", choices=["L", "RGB", "BGR"])
    parser.add_argument("--layout", choices=["NHWC", "NCHW"], help="detected when unambiguous")
    parser.add_argument("--resize", choices=sorted(RESAMPLING))
    parser.add_argument("--scale", type=_number, help="pixel scale, e.g. 1/255 (default 1)")
    parser.add_argument("--mean", type=_values, help="after scaling; one value or per channel")
    parser.add_argument("--std", type=_values, help="after scaling; one value or per channel")
    parser.add_argument("--output-kind", choices=["probabilities", "logits"])
    parser.add_argument("--input-name", help="the input to use when the model has several")
    parser.add_argument("--output-name", help="the output to use when the model has several")
    parser.add_argument("--name", help="model name (default: the source's file name)")
    parser.add_argument("--model-version", default="1.0.0")
    parser.add_argument("--sample-dir", type=Path, help="images for the parity check")
    parser.add_argument("--eval-dir", type=Path, help="one sub-folder per label: accuracy")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import onnxruntime as ort

    from classifier_training.artifacts import check_writable, write_atomically
    from classifier_training.importing import samples as sample_sets
    from classifier_training.importing.evaluation import evaluate, monitoring
    from classifier_training.importing.graph import compose_graph
    from classifier_training.importing.labels import read_labels
    from classifier_training.importing.parity import (
        compare,
        imported_probabilities,
        row_sum_warning,
        source_probabilities,
    )
    from classifier_training.importing.resolve import resolve
    from classifier_training.importing.sources import load_source
    from image_classifier.preprocessing import InputSpec

    labels = read_labels(args.labels)
    check_writable(args.output)
    print(f"[1/5] read: {args.source}", flush=True)
    source = load_source(args.source, args.input_name, args.output_name)
    prep, shape = resolve(args, source)
    spec = InputSpec(prep.height, prep.width, prep.serving_color_mode, prep.resize)
    width = source.output.shape[-1] if len(source.output.shape) == 2 else None
    if width is not None and width != len(labels):
        raise ImportInputError(f"{len(labels)} labels but the model outputs {width} classes")
    print(
        f"    {source.kind}, input {list(source.input.shape)} {source.input.dtype}, {prep.layout}"
    )

    print(f"[2/5] one graph: {', '.join(prep.folded_steps()) or 'nothing to fold'}", flush=True)
    try:
        converted = source.convert(shape)
    except ImportInputError:
        raise
    except Exception as exc:
        raise ImportInputError(f"tf2onnx could not convert {args.source} ({exc})") from exc
    graph = compose_graph(
        converted,
        source.input.name,
        source.output.name,
        prep,
        len(labels),
        source.fixed_batch,
    )
    if source.fixed_batch:
        print("    the source's batch is fixed at 1: the graph runs it once per image (Scan)")
        source.provenance["fixed_batch"] = True
    model_bytes = graph.SerializeToString()
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])

    print("[3/5] parity with the source's own runtime", flush=True)
    sets = []
    if args.sample_dir:
        sets.append(sample_sets.from_folder(args.sample_dir, spec))
    evaluation_set = (
        sample_sets.from_eval_dir(args.eval_dir, spec, labels) if args.eval_dir else None
    )
    if evaluation_set is not None:
        sets.append(evaluation_set)
    if not sets:
        sets.append(sample_sets.generated(spec))
    raw = np.concatenate([s.pixels for s in sets])
    origin = " + ".join(s.origin for s in sets)
    expected = source_probabilities(source, prep, raw)
    if expected.shape[1] != len(labels):
        raise ImportInputError(
            f"{len(labels)} labels but the model outputs {expected.shape[1]} classes"
        )
    actual = imported_probabilities(session, raw)
    parity = compare(expected, actual, prep, origin)
    print(
        f"    {parity.samples} images: max |dp| {parity.max_abs_diff:.2e} "
        f"(bound {parity.bound:.1e}), top-1 agreement {parity.top1_agreement:.2%}"
    )
    warning = row_sum_warning(expected, prep)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)

    metadata: dict[str, Any] = {
        "name": args.name or args.source.stem,
        "version": args.model_version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": spec.to_dict(),
        "labels": labels,
        "source": source.provenance,
        "preprocessing": prep.to_dict(),
        "parity": parity.to_dict(),
        "metrics": {},
        "frameworks": _frameworks(graph),
        "model_sha256": hashlib.sha256(model_bytes).hexdigest(),
    }
    if warning:
        metadata["warnings"] = [warning]
    print("[4/5] evaluation", flush=True)
    if evaluation_set is not None and evaluation_set.targets is not None:
        n = len(evaluation_set.pixels)
        served, by_source = actual[-n:], expected[-n:]
        metadata["evaluation"] = {
            **evaluate(served, by_source, evaluation_set.targets, labels),
            "skipped_files": evaluation_set.skipped,
        }
        metadata["metrics"] = {"test_accuracy": metadata["evaluation"]["test_accuracy"]}
        metadata["monitoring"] = monitoring(served, evaluation_set.targets, labels)
        print(
            f"    served accuracy {metadata['evaluation']['test_accuracy']:.4f}, source runtime "
            f"{metadata['evaluation']['source_accuracy']:.4f} on {n} images"
        )
    else:
        print("    skipped (no --eval-dir)")

    def build(directory: Path) -> None:
        (directory / "model.onnx").write_bytes(model_bytes)
        (directory / "labels.json").write_text(json.dumps(labels) + "\n")
        (directory / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")

    print(f"[5/5] write: {args.output} (atomically)", flush=True)
    write_atomically(args.output, build)
    return metadata


def _frameworks(graph: Any) -> dict[str, str | int]:
    """Package versions, and the opset of the graph written (the source's own for ONNX)."""
    from importlib.metadata import PackageNotFoundError, version

    opset = next(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx"))
    found: dict[str, str | int] = {"opset": opset}
    for package in ("tensorflow-cpu", "keras", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return exit_code(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())

"""Import a classifier trained elsewhere: Keras, TFLite or ONNX in; a servable model folder out,
exactly as training writes it, with the source's preprocessing folded in.

Exit codes: 0 written; 2 bad input (nothing written); 3 the imported graph disagrees with
the source's own runtime beyond the bounds (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

from classifier_training.errors import exit_code
from classifier_training.importing.plan import ImportPlan
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


def _values(value: str) -> tuple[float, ...]:
    return tuple(_number(v) for v in value.split(",") if v.strip())


def parse_args(argv: list[str] | None = None) -> ImportPlan:
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
    return ImportPlan(**vars(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    from classifier_training.importing.pipeline import run

    return exit_code(lambda: run(plan))


if __name__ == "__main__":
    sys.exit(main())

"""Parity: the source in its own runtime, fed numpy-preprocessed pixels, against the imported graph.

Bounds: float sources agree within 1e-5 per probability. Quantised sources (integer input or
output) are bounded by QUANTISED_STEPS steps of the output's quantisation scale, or
QUANTISED_FLOAT_BOUND when only the input is quantised: ONNX Runtime's integer kernels round
differently from LiteRT's, and one step is the smallest difference a uint8 output can show.
Top-1 must agree on every sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from classifier_training.importing.errors import ImportParityError
from classifier_training.importing.preprocessing import Preprocessing
from classifier_training.importing.source import ImportSource
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME

FLOAT_BOUND = 1e-5
QUANTISED_STEPS = 2
QUANTISED_FLOAT_BOUND = 1e-2
SUM_TOLERANCE = 1e-3
BATCH = 64


@dataclass(frozen=True)
class ImportParity:
    """How closely the imported graph matched the source's runtime, and on which images."""

    max_abs_diff: float
    top1_agreement: float
    samples: int
    bound: float
    origin: str

    def to_dict(self) -> dict[str, float | int | str]:
        return {
            "max_abs_diff": self.max_abs_diff,
            "top1_agreement": self.top1_agreement,
            "samples": self.samples,
            "bound": self.bound,
            "images": self.origin,
        }


def bound_for(prep: Preprocessing) -> float:
    if prep.output_quantization is not None:
        return QUANTISED_STEPS * prep.output_quantization.scale
    if prep.input_quantization is not None:
        return QUANTISED_FLOAT_BOUND
    return FLOAT_BOUND


def source_probabilities(source: ImportSource, prep: Preprocessing, raw: np.ndarray) -> np.ndarray:
    """The source's answers, as its users get them: numpy preprocessing, its own runtime."""
    x = prep.reference_input(raw)
    step = 1 if source.fixed_batch else BATCH
    outputs = [source.run(x[i : i + step]) for i in range(0, len(x), step)]
    return prep.reference_probabilities(np.concatenate(outputs))


def imported_probabilities(session: ort.InferenceSession, raw: np.ndarray) -> np.ndarray:
    """The imported graph's answers on raw 0-255 pixels, as serving feeds it."""
    rows = [
        session.run([OUTPUT_NAME], {INPUT_NAME: raw[i : i + BATCH].astype(np.float32)})[0]
        for i in range(0, len(raw), BATCH)
    ]
    return np.concatenate(rows)


def compare(
    expected: np.ndarray, actual: np.ndarray, prep: Preprocessing, origin: str
) -> ImportParity:
    """Raise ImportParityError unless within the bound and top-1 agrees everywhere."""
    parity = ImportParity(
        max_abs_diff=float(np.max(np.abs(expected - actual))),
        top1_agreement=float(np.mean(expected.argmax(1) == actual.argmax(1))),
        samples=len(expected),
        bound=bound_for(prep),
        origin=origin,
    )
    if parity.max_abs_diff > parity.bound or parity.top1_agreement < 1.0:
        raise ImportParityError(
            f"the imported graph disagrees with the source's runtime on {origin}: "
            f"max |dp| {parity.max_abs_diff:.3g} (bound {parity.bound:.3g}), "
            f"top-1 agreement {parity.top1_agreement:.2%} (need 100%). Check --color-mode, "
            f"--layout, --scale, --mean, --std and --output-kind."
        )
    return parity


def row_sum_warning(probabilities: np.ndarray, prep: Preprocessing) -> str | None:
    """For --output-kind probabilities: rows that do not sum to 1 suggest logits."""
    if prep.output_kind != "probabilities":
        return None
    worst = float(np.max(np.abs(probabilities.sum(axis=1) - 1)))
    tolerance = max(SUM_TOLERANCE, bound_for(prep) * probabilities.shape[1])
    if worst <= tolerance:
        return None
    return (
        f"output rows sum to 1 within only {worst:.3g}; if the model outputs logits, "
        "pass --output-kind logits"
    )

"""What every source format gives the importer: its one image input and one output, a runner in
its own runtime, and a converter to ONNX.

Each format's module (source_keras, source_tflite, source_onnx) builds an ImportSource; the
pipeline uses nothing else of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.preprocessing import Quantization

OPSET = 17  # tf2onnx 1.17 fails from opset 19 on this stack

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: Shape
    dtype: str
    quantization: Quantization | None = None


@dataclass
class ImportSource:
    """One input, one output, a runner and a converter; `provenance` goes into the card."""

    kind: str
    input: TensorInfo
    output: TensorInfo
    run: Callable[[np.ndarray], np.ndarray]
    convert: Callable[[Shape], Any]
    provenance: dict[str, Any]
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def fixed_batch(self) -> bool:
        return self.input.shape[0] == 1


class Opener(Protocol):
    """A format's loader: the file, and the --input-name / --output-name picks."""

    def __call__(
        self, path: Path, input_name: str | None, output_name: str | None
    ) -> ImportSource: ...


def pick(names: list[str], wanted: str | None, what: str, flag: str) -> int:
    """The index of the one tensor to use; several without a picking flag is an error."""
    if wanted is not None:
        if wanted not in names:
            raise ImportInputError(f"{flag} {wanted!r}: the model's {what}s are {names}")
        return names.index(wanted)
    if len(names) != 1:
        raise ImportInputError(f"the model has {len(names)} {what}s {names}; pick one with {flag}")
    return 0


def known_dims(dims: Iterable[Any]) -> Shape:
    """A shape with unknown or negative (dynamic) dimensions as None."""
    return tuple(None if d is None or int(d) < 0 else int(d) for d in dims)

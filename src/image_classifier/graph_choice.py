"""Which graph the engine loads: the card's int8 graph only where the CPU has int8 dot products.

With AVX-512 VNNI, AVX-VNNI or AMX, onnxruntime's int8 kernels accumulate u8 x s8 products in
int32, as the gate judged them. With AVX2 alone they sum pairs in saturating int16
(vpmaddubsw): EfficientNet-Lite0's int8 graph agreed with float on 98.7 % of the test photos
computed exactly, 94.7 % through those kernels, and its speed there varies by model
(docs/benchmarks.md). Lambda promises no CPU model, so the choice is made at init from
/proc/cpuinfo; MODEL_PRECISION=float or int8 overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from image_classifier.errors import ModelLoadError
from image_classifier.model_card import INT8_FILE, MODEL_FILE, ModelCard

PRECISIONS = ("auto", "float", "int8")
# x86 flags, as Linux names them, of instructions that multiply and add int8 in one step.
FAST_INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class GraphChoice:
    """The file the engine loads, and why (logged and shown by the benchmark)."""

    file: str
    reason: str


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The first CPU's flags; none where /proc/cpuinfo is missing or unreadable (float then)."""
    try:
        lines = cpuinfo.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return frozenset()
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def choose_graph(card: ModelCard, precision: str, flags: frozenset[str]) -> GraphChoice:
    """The card's serving graph under MODEL_PRECISION (auto, float or int8) on a CPU's flags."""
    if precision not in PRECISIONS:
        raise ModelLoadError(f"precision {precision!r}: need one of {PRECISIONS}")
    int8_kept = card.serving_graph == INT8_FILE
    if precision == "float":
        return GraphChoice(MODEL_FILE, "MODEL_PRECISION=float")
    if precision == "int8":
        if not int8_kept:
            raise ModelLoadError(
                f"MODEL_PRECISION=int8, but {card.model_dir} serves no int8 graph (see its card)"
            )
        return GraphChoice(INT8_FILE, "MODEL_PRECISION=int8")
    if not int8_kept:
        return GraphChoice(MODEL_FILE, "the card serves the float graph")
    fast = sorted(flags & FAST_INT8_FLAGS)
    if fast:
        return GraphChoice(INT8_FILE, f"int8 kept by the card; the CPU has {', '.join(fast)}")
    return GraphChoice(
        MODEL_FILE,
        "int8 kept by the card, but the CPU has none of "
        f"{', '.join(sorted(FAST_INT8_FLAGS))}: its int8 kernels would saturate",
    )

"""The machine a run measured on: CPU and its int8 flags, cores, memory, OS, library versions.

int8's speed depends on the CPU's instructions (AVX-512 VNNI, AVX-VNNI, AMX), so the report
names them beside every figure.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

# Named in the report whether present or not: AVX2 is every float kernel's floor, the rest
# are what int8 needs to beat float.
REPORTED_FLAGS = {
    "avx2": "AVX2",
    "avx512f": "AVX-512",
    "avx512_vnni": "AVX-512 VNNI",
    "avx_vnni": "AVX-VNNI",
    "amx_int8": "AMX-INT8",
}


def cpu_flags_text(flags: list[str]) -> str:
    """'AVX2; no AVX-512, AVX-512 VNNI, AVX-VNNI, AMX-INT8', from the flags a CPU has."""
    have = [name for flag, name in REPORTED_FLAGS.items() if flag in flags]
    lack = [name for flag, name in REPORTED_FLAGS.items() if flag not in flags]
    parts = [", ".join(have)] if have else []
    if lack:
        parts.append("no " + ", ".join(lack))
    return "; ".join(parts)


def machine() -> dict[str, object]:
    from image_classifier.graph_choice import cpu_flags

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    import numpy
    import onnxruntime
    import PIL

    flags = cpu_flags()
    return {
        "cpu": model,
        "flags": [flag for flag in REPORTED_FLAGS if flag in flags],
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kb / 2**20:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
    }

"""The child processes every figure is measured in: environment, pinning, one JSON line back.

Each measurement runs in a fresh interpreter so that one engine's imports, threads and
memory cannot colour another's; pinned runs go through `taskset -c 0`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier_bench.models import BenchModel


def log(message: str) -> None:
    print(message, flush=True)


# This project's engines by the graph they load, whatever this CPU would choose.
PRECISIONS = {"onnx": "float", "onnx-int8": "int8"}


def worker_env(impl: str, pinned: bool, model_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["BENCH_PINNED"] = "1" if pinned else "0"
    env["MODEL_DIR"] = str(model_dir.resolve())
    env["MODEL_PRECISION"] = PRECISIONS.get(impl, "float")
    if impl.startswith("onnx") and not pinned:
        # What the production code does on a 2-vCPU function (>= 3538 MB): two threads.
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "3538"
    return env


def run_process(
    module: str, args: list[str], pinned: bool, env: dict[str, str]
) -> tuple[dict[str, Any], float, str]:
    """One measured child process; returns its BENCH JSON line, its wall time and its stderr."""
    command = [sys.executable, "-m", module, *args]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - started
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{module} {' '.join(args)} failed: {result.stderr[-2000:]}")
    measured: dict[str, Any] = json.loads(lines[-1][6:])
    return measured, wall, result.stderr


@dataclass(frozen=True)
class ModelFiles:
    """One model's files as each implementation needs them."""

    model: BenchModel
    tflite: dict[str, Path]  # LiteRT variant (litert, litert-int8) -> its graph
    dirs: dict[str, Path]  # an engine served from another folder: a refused int8 graph

    def run(
        self, impl: str, mode: str, events: Path, pinned: bool, *extra: str
    ) -> tuple[dict[str, Any], float]:
        model_dir = self.dirs.get(impl, self.model.model_dir)
        worker_impl = impl.split("-int8")[0]
        args = [worker_impl, mode, str(events), "--model-dir", str(model_dir)]
        if impl in self.tflite:
            args += ["--tflite", str(self.tflite[impl])]
        env = worker_env(impl if impl not in self.dirs else "onnx", pinned, model_dir)
        measured, wall, _ = run_process("classifier_bench.worker", [*args, *extra], pinned, env)
        return measured, wall

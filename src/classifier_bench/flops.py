"""A compute-bound floor for inference: the ONNX graph's FLOPs against measured matmul speed."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import onnx
from onnx import shape_inference


def count_flops(model_path: Path, batch: int = 1) -> int:
    """Multiply-adds of Conv, Gemm and MatMul nodes, counted as two FLOPs each."""
    model = shape_inference.infer_shapes(onnx.load(model_path))
    graph = model.graph
    shapes = {}
    for value in [*graph.value_info, *graph.input, *graph.output]:
        dims = [d.dim_value or batch for d in value.type.tensor_type.shape.dim]
        shapes[value.name] = dims
    weights = {init.name: list(init.dims) for init in graph.initializer}
    total = 0
    for node in graph.node:
        if node.op_type == "Conv":
            kernel = weights[node.input[1]]
            out = shapes[node.output[0]]
            out_elements = int(np.prod(out))
            total += 2 * out_elements * int(np.prod(kernel[1:]))
        elif node.op_type in ("Gemm", "MatMul"):
            a = shapes.get(node.input[0]) or weights[node.input[0]]
            b = weights.get(node.input[1]) or shapes[node.input[1]]
            total += 2 * int(np.prod(a[:-1])) * a[-1] * b[-1]
    return total


def matmul_gflops(size: int = 512, repeats: int = 20) -> float:
    """Single-process float32 matmul throughput, the best of several runs."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    b = np.random.default_rng(1).random((size, size), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started

"""A compute-bound floor for inference: the graph's FLOPs against the machine's measured speed.

FLOPs are counted from the ONNX graph, dense (Conv, Gemm, MatMul) apart from depthwise
(grouped) convolutions, because the two run at very different speeds on a CPU: a dense
convolution is a matrix multiply, a depthwise one is memory-bound. The machine's throughput for
each is measured with onnxruntime on a single-operator graph, so the floor uses the same
kernels as the engine and the best shape we tried (a floor should be optimistic).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.numpy_helper
from onnx import TensorProto, helper, shape_inference


def count_flops(model_path: Path, batch: int = 1) -> dict[str, int]:
    """Multiply-adds (two FLOPs each) of dense layers and of depthwise convolutions."""
    model = shape_inference.infer_shapes(onnx.load(model_path))
    graph = model.graph
    shapes = {}
    for value in [*graph.value_info, *graph.input, *graph.output]:
        shapes[value.name] = [d.dim_value or batch for d in value.type.tensor_type.shape.dim]
    weights = {init.name: list(init.dims) for init in graph.initializer}
    dense = depthwise = 0
    for node in graph.node:
        if node.op_type == "Conv":
            kernel = weights[node.input[1]]
            group = next((a.i for a in node.attribute if a.name == "group"), 1)
            flops = 2 * int(np.prod(shapes[node.output[0]])) * int(np.prod(kernel[1:]))
            if group > 1 and kernel[1] == 1:
                depthwise += flops
            else:
                dense += flops
        elif node.op_type in ("Gemm", "MatMul"):
            a = shapes.get(node.input[0]) or weights[node.input[0]]
            b = weights.get(node.input[1]) or shapes[node.input[1]]
            dense += 2 * int(np.prod(a[:-1])) * a[-1] * b[-1]
    return {"dense": dense, "depthwise": depthwise, "total": dense + depthwise}


def _session(model: onnx.ModelProto, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, ["CPUExecutionProvider"])


def _best_seconds(session: Any, feeds: dict[str, np.ndarray], repeats: int) -> float:
    session.run(None, feeds)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        session.run(None, feeds)
        best = min(best, time.perf_counter() - started)
    return best


def _single_op(
    node: onnx.NodeProto,
    inputs: list[onnx.ValueInfoProto],
    initializers: list[onnx.TensorProto],
    output: onnx.ValueInfoProto,
) -> onnx.ModelProto:
    graph = helper.make_graph([node], "op", inputs, [output], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def matmul_gflops(threads: int = 1, size: int = 512, repeats: int = 30) -> float:
    """onnxruntime's float32 MatMul (MLAS GEMM), the best of several runs."""
    rng = np.random.default_rng(0)
    weight = onnx.numpy_helper.from_array(rng.random((size, size), dtype=np.float32), "w")
    model = _single_op(
        helper.make_node("MatMul", ["x", "w"], ["y"]),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [size, size])],
        [weight],
        helper.make_tensor_value_info("y", TensorProto.FLOAT, [size, size]),
    )
    feeds = {"x": rng.random((size, size), dtype=np.float32)}
    return 2 * size**3 / _best_seconds(_session(model, threads), feeds, repeats) / 1e9


# (channels, side) of depthwise 3x3 layers as MobileNet-style nets have them at 224.
DEPTHWISE_SHAPES = ((16, 112), (72, 56), (96, 28), (240, 14), (576, 7))


def depthwise_gflops(threads: int = 1, repeats: int = 30) -> float:
    """onnxruntime's float32 depthwise 3x3 convolution, the best shape of a MobileNet-like set."""
    rng = np.random.default_rng(0)
    best = 0.0
    for channels, side in DEPTHWISE_SHAPES:
        kernel = onnx.numpy_helper.from_array(
            rng.random((channels, 1, 3, 3), dtype=np.float32), "k"
        )
        model = _single_op(
            helper.make_node("Conv", ["x", "k"], ["y"], group=channels, pads=[1, 1, 1, 1]),
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, side, side])],
            [kernel],
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, side, side]),
        )
        feeds = {"x": rng.random((1, channels, side, side), dtype=np.float32)}
        seconds = _best_seconds(_session(model, threads), feeds, repeats)
        best = max(best, 2 * channels * side * side * 9 / seconds / 1e9)
    return best


if __name__ == "__main__":
    import json
    import sys

    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    print(
        json.dumps(
            {
                "matmul_gflops": matmul_gflops(threads),
                "depthwise_gflops": depthwise_gflops(threads),
            }
        )
    )

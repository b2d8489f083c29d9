"""FLOPs are counted from the ONNX graph, depthwise convolutions apart from dense work."""

from __future__ import annotations

import numpy as np
import onnx
import onnx.numpy_helper
from onnx import TensorProto, helper

from classifier_bench.flops import count_flops
from classifier_bench.results import Flops, Rates


def _graph(tmp_path, channels: int = 8, side: int = 10, classes: int = 4):
    """Conv 3x3 (3 -> channels), depthwise 3x3, global pool, Gemm to classes."""
    rng = np.random.default_rng(0)

    def weight(name, shape):
        return onnx.numpy_helper.from_array(rng.random(shape, dtype=np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "k1"], ["a"], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["a", "k2"], ["b"], pads=[1, 1, 1, 1], group=channels),
        helper.make_node("GlobalAveragePool", ["b"], ["c"]),
        helper.make_node("Flatten", ["c"], ["d"]),
        helper.make_node("Gemm", ["d", "w"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, classes])],
        [
            weight("k1", (channels, 3, 3, 3)),
            weight("k2", (channels, 1, 3, 3)),
            weight("w", (channels, classes)),
        ],
    )
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_depthwise_convolutions_are_counted_apart_from_dense_ones(tmp_path):
    flops = count_flops(_graph(tmp_path, channels=8, side=10, classes=4))
    dense_conv = 2 * (8 * 10 * 10) * (3 * 3 * 3)
    gemm = 2 * 8 * 4
    assert flops["dense"] == dense_conv + gemm
    assert flops["depthwise"] == 2 * (8 * 10 * 10) * 9
    assert flops["total"] == flops["dense"] + flops["depthwise"]


def test_the_floor_charges_each_kind_at_its_own_speed():
    flops = Flops(dense=2_000_000_000, depthwise=100_000_000, total=2_100_000_000)
    rates = Rates(matmul_gflops=100.0, depthwise_gflops=10.0)
    assert rates.floor_ms(flops) == 20.0 + 10.0

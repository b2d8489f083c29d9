"""Hard activations as tf2onnx writes them become single operators, with the same outputs."""

from __future__ import annotations

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
from onnx import TensorProto, helper

from classifier_training.fuse import fuse_hard_activations


def _const(name: str, value: float) -> onnx.TensorProto:
    return onnx.numpy_helper.from_array(np.array(value, np.float32), name)


def _tf2onnx_style() -> onnx.ModelProto:
    """x -> hard_swish(x) = x * clip(x + 3, 0, 6) / 6, then a squeeze-excite-like gate
    y * hard_sigmoid(mean(y)), the two shapes MobileNetV3 is made of."""
    nodes = [
        helper.make_node("Add", ["x", "three"], ["a1"]),
        helper.make_node("Clip", ["a1", "zero", "six"], ["c1"]),
        helper.make_node("Mul", ["c1", "sixth"], ["s1"]),
        helper.make_node("Mul", ["x", "s1"], ["y"]),
        helper.make_node("ReduceMean", ["y"], ["m"], axes=[2, 3], keepdims=1),
        helper.make_node("Add", ["m", "three"], ["a2"]),
        helper.make_node("Clip", ["a2", "zero", "six"], ["c2"]),
        helper.make_node("Mul", ["c2", "sixth"], ["gate"]),
        helper.make_node("Mul", ["y", "gate"], ["out"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 5, 5])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 4, 5, 5])],
        [_const("three", 3), _const("zero", 0), _const("six", 6), _const("sixth", 1 / 6)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_hard_swish_and_hard_sigmoid_become_one_operator_each_with_the_same_outputs():
    original = _tf2onnx_style()
    fused = _tf2onnx_style()
    assert fuse_hard_activations(fused) == 2
    ops = [node.op_type for node in fused.graph.node]
    assert ops.count("HardSwish") == 1 and ops.count("HardSigmoid") == 1
    assert "Clip" not in ops and "Add" not in ops
    assert {init.name for init in fused.graph.initializer} == set()
    x = np.random.default_rng(0).normal(0, 4, (2, 4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(_run(fused, x), _run(original, x), rtol=0, atol=1e-6)


def test_a_clip_that_is_not_a_hard_activation_is_left_alone():
    model = _tf2onnx_style()
    for init in model.graph.initializer:
        if init.name == "six":
            init.CopyFrom(_const("six", 5))
    before = [node.op_type for node in model.graph.node]
    assert fuse_hard_activations(model) == 0
    assert [node.op_type for node in model.graph.node] == before

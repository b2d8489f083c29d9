"""Give onnxruntime MobileNetV3's hard activations as single operators.

tf2onnx writes Keras' hard-sigmoid as Add(x, 3) -> Clip(0, 6) -> Mul(1/6), and hard-swish as
that times x: four element-wise nodes, each a pass over the feature map and a break in
onnxruntime's NCHWc layout (Reorder nodes around it). ONNX has HardSigmoid and HardSwish
(opset 14); onnxruntime runs them as one kernel. Outputs are unchanged to float rounding.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


def fuse_hard_activations(model: onnx.ModelProto) -> int:
    """Rewrite the patterns in place; returns how many activations were fused."""
    graph = model.graph
    constants = {init.name: numpy_helper.to_array(init) for init in graph.initializer}

    def is_constant(name: str, value: float) -> bool:
        array = constants.get(name)
        return array is not None and array.size == 1 and bool(np.isclose(array.item(), value))

    producer = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    removed: set[int] = set()
    added: list[onnx.NodeProto] = []
    for clip in [node for node in graph.node if node.op_type == "Clip"]:
        add = producer.get(clip.input[0])
        if (
            add is None
            or add.op_type != "Add"
            or len(clip.input) != 3
            or not (is_constant(clip.input[1], 0.0) and is_constant(clip.input[2], 6.0))
            or not is_constant(add.input[1], 3.0)
            or len(consumers.get(add.output[0], [])) != 1
        ):
            continue
        x = add.input[0]
        users = consumers.get(clip.output[0], [])
        if len(users) != 1 or users[0].op_type != "Mul":
            continue
        scale = users[0]
        if not any(is_constant(name, 1 / 6) for name in scale.input):
            continue
        after = consumers.get(scale.output[0], [])
        if len(after) == 1 and after[0].op_type == "Mul" and x in after[0].input:
            multiply = after[0]
            added.append(helper.make_node("HardSwish", [x], [multiply.output[0]]))
            removed |= {id(add), id(clip), id(scale), id(multiply)}
        else:
            added.append(
                helper.make_node("HardSigmoid", [x], [scale.output[0]], alpha=1 / 6, beta=0.5)
            )
            removed |= {id(add), id(clip), id(scale)}
    if not added:
        return 0
    _replace_nodes(graph, [n for n in graph.node if id(n) not in removed] + added)
    _drop_unused_initializers(graph)
    if not any(op.domain in ("", "ai.onnx") and op.version >= 14 for op in model.opset_import):
        raise ValueError("HardSwish needs opset 14 or later")
    onnx.checker.check_model(model)
    return len(added)


def _replace_nodes(graph: onnx.GraphProto, nodes: list[onnx.NodeProto]) -> None:
    """Keep the graph topologically sorted, as ONNX requires."""
    known = {value.name for value in graph.input} | {init.name for init in graph.initializer}
    known.add("")
    ordered: list[onnx.NodeProto] = []
    pending = nodes
    while pending:
        waiting = []
        for node in pending:
            if all(name in known for name in node.input):
                ordered.append(node)
                known.update(node.output)
            else:
                waiting.append(node)
        if len(waiting) == len(pending):
            raise ValueError("the rewritten graph has a cycle or a dangling input")
        pending = waiting
    del graph.node[:]
    graph.node.extend(ordered)


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)

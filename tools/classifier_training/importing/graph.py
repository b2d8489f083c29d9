"""One ONNX graph: raw 0-255 NHWC pixels in as `image`, the source, `probabilities` out.

The preprocessing and postprocessing graphs are built with onnx.helper and joined to the
source with onnx.compose, so the source's own nodes are untouched (only prefixed). A source
whose batch is fixed at 1 (a default torch.onnx.export) is run once per image by a Scan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, compose, helper, numpy_helper

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.preprocessing import Preprocessing
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME

MIN_OPSET = 13  # Unsqueeze/Squeeze with axes as inputs, Softmax over one axis
PREFIX = "source/"


def compose_graph(
    source: onnx.ModelProto,
    input_name: str,
    output_name: str,
    prep: Preprocessing,
    classes: int,
    fixed_batch: bool,
) -> onnx.ModelProto:
    """The single serving graph; checked with onnx.checker before it is returned."""
    source = _at_least_opset(source)
    input_name = _real_name([i.name for i in source.graph.input], input_name, source, "input")
    output_name = _real_name([o.name for o in source.graph.output], output_name, source, "output")
    src_in = next(i for i in source.graph.input if i.name == input_name)
    src_out = next(o for o in source.graph.output if o.name == output_name)
    batch: str | int = 1 if fixed_batch else "N"
    outer_in, outer_out = (
        ("scan_image", "scan_probabilities") if fixed_batch else (INPUT_NAME, OUTPUT_NAME)
    )
    pre = _model_like(source, _pre_graph(prep, src_in, outer_in, batch))
    post = _model_like(source, _post_graph(prep, src_out, outer_out, classes, batch))
    prefixed = compose.add_prefix(source, PREFIX)
    merged = compose.merge_models(
        pre, prefixed, io_map=[("pre_out", PREFIX + input_name)], outputs=[PREFIX + output_name]
    )
    merged = compose.merge_models(merged, post, io_map=[(PREFIX + output_name, "post_in")])
    if fixed_batch:
        merged = _scan_per_image(merged, prep, classes)
    merged.producer_name = "classifier_training.importing"
    del merged.graph.value_info[:]
    try:
        onnx.checker.check_model(merged, full_check=True)
    except Exception as exc:
        raise ImportInputError(f"the composed graph does not check ({exc})") from exc
    return merged


def _real_name(names: list[str], wanted: str, model: onnx.ModelProto, what: str) -> str:
    """The source tensor's name in the ONNX graph (tf2onnx may rename it), else the only one."""
    if wanted in names:
        return wanted
    initializers = {i.name for i in model.graph.initializer}
    real = [n for n in names if n not in initializers]
    if len(real) == 1:
        return real[0]
    raise ImportInputError(f"cannot find the {what} {wanted!r} in the converted graph ({real})")


def _at_least_opset(model: onnx.ModelProto) -> onnx.ModelProto:
    version = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if version >= MIN_OPSET:
        return model
    try:
        return onnx.version_converter.convert_version(model, MIN_OPSET)
    except Exception as exc:
        raise ImportInputError(
            f"the model uses opset {version}, and converting it to {MIN_OPSET} failed ({exc})"
        ) from exc


def _model_like(source: onnx.ModelProto, graph: onnx.GraphProto) -> onnx.ModelProto:
    """A model with the source's IR version and opsets, which compose.merge_models requires."""
    model = helper.make_model(graph, opset_imports=list(source.opset_import))
    model.ir_version = source.ir_version
    return model


def _elem_type(value: onnx.ValueInfoProto) -> int:
    return int(value.type.tensor_type.elem_type)


def _const(name: str, values: Any, dtype: Any = np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def _pre_graph(
    prep: Preprocessing, src_in: onnx.ValueInfoProto, name: str, batch: str | int
) -> onnx.GraphProto:
    channels = 1 if prep.color_mode == "L" else 3
    nodes, inits, current = [], [], name

    def add(op: str, inputs: list[str], out: str, **attrs: Any) -> None:
        nonlocal current
        nodes.append(helper.make_node(op, [current, *inputs], [out], name=out, **attrs))
        current = out

    if prep.color_mode == "BGR":
        inits.append(_const("pre_bgr_index", [2, 1, 0], np.int64))
        add("Gather", ["pre_bgr_index"], "pre_bgr", axis=3)
    if prep.scale != 1:
        inits.append(_const("pre_scale", prep.scale))
        add("Mul", ["pre_scale"], "pre_scaled")
    if any(m != 0 for m in prep.mean):
        inits.append(_const("pre_mean", prep.mean))
        add("Sub", ["pre_mean"], "pre_centred")
    if any(s != 1 for s in prep.std):
        inits.append(_const("pre_std", prep.std))
        add("Div", ["pre_std"], "pre_normalised")
    if prep.layout == "NCHW":
        add("Transpose", [], "pre_nchw", perm=[0, 3, 1, 2])
    target = _elem_type(src_in)
    if prep.input_quantization is not None:
        q = prep.input_quantization
        inits += [_const("pre_q_scale", q.scale), _const("pre_q_zero", q.zero_point, q.dtype)]
        add("QuantizeLinear", ["pre_q_scale", "pre_q_zero"], "pre_quantised")
    elif target != TensorProto.FLOAT:
        add("Cast", [], "pre_cast", to=target)
    nodes.append(helper.make_node("Identity", [current], ["pre_out"], name="pre_out"))
    image = helper.make_tensor_value_info(
        name, TensorProto.FLOAT, [batch, prep.height, prep.width, channels]
    )
    out = helper.make_tensor_value_info("pre_out", target, None)
    return helper.make_graph(nodes, "preprocessing", [image], [out], inits)


def _post_graph(
    prep: Preprocessing, src_out: onnx.ValueInfoProto, name: str, classes: int, batch: str | int
) -> onnx.GraphProto:
    nodes, inits, current = [], [], "post_in"

    def add(op: str, inputs: list[str], out: str, **attrs: Any) -> None:
        nonlocal current
        nodes.append(helper.make_node(op, [current, *inputs], [out], name=out, **attrs))
        current = out

    if prep.output_quantization is not None:
        q = prep.output_quantization
        inits += [_const("post_q_scale", q.scale), _const("post_q_zero", q.zero_point, q.dtype)]
        add("DequantizeLinear", ["post_q_scale", "post_q_zero"], "post_dequantised")
    elif _elem_type(src_out) != TensorProto.FLOAT:
        add("Cast", [], "post_cast", to=TensorProto.FLOAT)
    add("Flatten", [], "post_flat", axis=1)
    if prep.output_kind == "logits":
        add("Softmax", [], "post_softmax", axis=1)
    nodes.append(helper.make_node("Identity", [current], [name], name=name))
    post_in = helper.make_tensor_value_info("post_in", _elem_type(src_out), None)
    out = helper.make_tensor_value_info(name, TensorProto.FLOAT, [batch, classes])
    return helper.make_graph(nodes, "postprocessing", [post_in], [out], inits)


def _scan_per_image(model: onnx.ModelProto, prep: Preprocessing, classes: int) -> onnx.ModelProto:
    """Run a batch-1 graph once per image: Scan over the batch, Unsqueeze in, Squeeze out."""
    channels = 1 if prep.color_mode == "L" else 3
    graph = model.graph
    body_nodes = [
        helper.make_node("Unsqueeze", ["scan_one", "scan_axis0"], ["scan_image"]),
        *graph.node,
        helper.make_node("Squeeze", ["scan_probabilities", "scan_axis0"], ["scan_row"]),
    ]
    body = helper.make_graph(
        body_nodes,
        "per_image",
        [
            helper.make_tensor_value_info(
                "scan_one", TensorProto.FLOAT, [prep.height, prep.width, channels]
            )
        ],
        [helper.make_tensor_value_info("scan_row", TensorProto.FLOAT, [classes])],
    )
    scan = helper.make_node(
        "Scan", [INPUT_NAME], [OUTPUT_NAME], name="per_image", num_scan_inputs=1, body=body
    )
    outer = helper.make_graph(
        [scan],
        "imported",
        [
            helper.make_tensor_value_info(
                INPUT_NAME, TensorProto.FLOAT, ["N", prep.height, prep.width, channels]
            )
        ],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", classes])],
        [*graph.initializer, _const("scan_axis0", [0], np.int64)],
    )
    wrapped = helper.make_model(outer, opset_imports=list(model.opset_import))
    wrapped.ir_version = model.ir_version
    wrapped.functions.extend(model.functions)
    return wrapped

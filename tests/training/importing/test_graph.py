"""The composed graph: serving's input and output, the source untouched, old opsets, batch 1."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort

from classifier_training.importing.graph import PREFIX, compose_graph
from classifier_training.importing.preprocessing import Preprocessing

from .conftest import torch_like_onnx

TORCHVISION = Preprocessing(
    color_mode="RGB",
    layout="NCHW",
    height=16,
    width=16,
    resize="bilinear",
    scale=1 / 255,
    mean=(0.485, 0.456, 0.406),
    std=(0.229, 0.224, 0.225),
    output_kind="logits",
)


def dims(value):
    return [d.dim_value or d.dim_param for d in value.type.tensor_type.shape.dim]


def test_raw_nhwc_image_in_probabilities_out_and_the_source_nodes_kept(tmp_path):
    source = onnx.load(str(torch_like_onnx(tmp_path / "m.onnx", weights=4 * np.eye(3), batch="N")))
    graph = compose_graph(source, "input.1", "191", TORCHVISION, 3, fixed_batch=False)
    assert [(i.name, dims(i)) for i in graph.graph.input] == [("image", ["N", 16, 16, 3])]
    assert [(o.name, dims(o)) for o in graph.graph.output] == [("probabilities", ["N", 3])]
    kept = [
        n for n in graph.graph.node if n.name.startswith(PREFIX) or n.output[0].startswith(PREFIX)
    ]
    assert [n.op_type for n in kept] == [n.op_type for n in source.graph.node]
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    red = np.zeros((2, 16, 16, 3), np.float32)
    red[..., 0] = 255
    probabilities = session.run(None, {"image": red})[0]
    assert probabilities.argmax(1).tolist() == [0, 0]
    assert np.allclose(probabilities.sum(1), 1)


def test_a_batch_1_source_scores_any_batch(tmp_path):
    source = onnx.load(str(torch_like_onnx(tmp_path / "m.onnx", weights=4 * np.eye(3))))
    graph = compose_graph(source, "input.1", "191", TORCHVISION, 3, fixed_batch=True)
    assert [n.op_type for n in graph.graph.node] == ["Scan"]
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    batch = np.zeros((5, 16, 16, 3), np.float32)
    batch[np.arange(5), ..., np.arange(5) % 3] = 255
    assert session.run(None, {"image": batch})[0].argmax(1).tolist() == [0, 1, 2, 0, 1]


def test_an_old_opset_is_upgraded_before_composing(tmp_path):
    model = onnx.load(str(torch_like_onnx(tmp_path / "m.onnx", weights=4 * np.eye(3), batch="N")))
    model.opset_import[0].version, model.ir_version = 11, 6
    graph = compose_graph(model, "input.1", "191", TORCHVISION, 3, fixed_batch=False)
    assert graph.opset_import[0].version == 13
    onnx.checker.check_model(graph, full_check=True)

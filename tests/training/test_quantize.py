"""int8 quantisation: a real QDQ graph from onnxruntime's tools, kept or refused by measurement."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnx
import onnx.numpy_helper
import pytest
from onnx import TensorProto, helper
from PIL import Image

from classifier_training.quantize import INT8_FILE, evaluate, main
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME
from image_classifier.preprocessing import InputSpec

pytestmark = pytest.mark.slow
SPEC = InputSpec(8, 8, "RGB", "bilinear")
LABELS = ["blue", "red"]


def _model_dir(tmp_path):
    """NHWC image -> Conv 1x1 -> global pool -> Gemm -> Softmax: red against blue."""
    kernel = np.zeros((4, 3, 1, 1), np.float32)
    kernel[0, 0], kernel[1, 2], kernel[2, 1], kernel[3] = 1 / 255, 1 / 255, 1 / 255, 0.5 / 255
    dense = np.array([[-4, 4], [4, -4], [0.1, 0], [0, 0.1]], np.float32)
    nodes = [
        helper.make_node("Transpose", [INPUT_NAME], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["nchw", "k"], ["conv"]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pool"]),
        helper.make_node("Flatten", ["pool"], ["flat"]),
        helper.make_node("Gemm", ["flat", "w"], ["logits"]),
        helper.make_node("Softmax", ["logits"], [OUTPUT_NAME], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", 8, 8, 3])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", 2])],
        [onnx.numpy_helper.from_array(kernel, "k"), onnx.numpy_helper.from_array(dense, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    directory = tmp_path / "model"
    directory.mkdir()
    data = model.SerializeToString()
    (directory / "model.onnx").write_bytes(data)
    (directory / "labels.json").write_text(json.dumps(LABELS))
    metadata = {
        "name": "tiny",
        "input": SPEC.to_dict(),
        "labels": LABELS,
        "training": {"seed": 1},
        "model_sha256": hashlib.sha256(data).hexdigest(),
    }
    (directory / "metadata.json").write_text(json.dumps(metadata))
    return directory


def _photos(tmp_path, per_class: int = 40):
    rng = np.random.default_rng(0)
    root = tmp_path / "photos"
    for label, channel in (("blue", 2), ("red", 0)):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 90, (8, 8, 3))
            pixels[..., channel] = rng.integers(150, 256, (8, 8))
            Image.fromarray(pixels.astype(np.uint8)).save(root / label / f"{i}.png")
    return root


def test_a_faithful_int8_graph_is_kept_with_both_figures_in_the_card(tmp_path):
    model_dir = _model_dir(tmp_path)
    entry = evaluate(model_dir, _photos(tmp_path))
    assert entry["kept"] and entry["top1_agreement"] >= 0.99
    assert entry["accuracy_loss_points"] <= 0.5
    int8 = onnx.load(model_dir / INT8_FILE)
    assert {"QuantizeLinear", "DequantizeLinear"} <= {n.op_type for n in int8.graph.node}
    card = json.loads((model_dir / "metadata.json").read_text())
    assert card["int8"] == entry
    assert hashlib.sha256((model_dir / INT8_FILE).read_bytes()).hexdigest() == entry["sha256"]


def test_a_refusal_is_recorded_with_its_measurement_and_leaves_no_file(tmp_path, monkeypatch):
    import classifier_training.quantize as quantize

    model_dir = _model_dir(tmp_path)
    monkeypatch.setattr(quantize, "MIN_AGREEMENT", 1.01)  # a bar no graph can meet
    entry = evaluate(model_dir, _photos(tmp_path))
    assert not entry["kept"] and entry["file"] is None
    assert 0 <= entry["top1_agreement"] <= 1
    assert not (model_dir / INT8_FILE).exists()
    assert json.loads((model_dir / "metadata.json").read_text())["int8"]["kept"] is False


def test_a_missing_data_dir_exits_2(tmp_path, capsys):
    assert main([str(_model_dir(tmp_path)), "--data-dir", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err

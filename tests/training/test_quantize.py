"""int8 quantisation: the gate, and a real QDQ graph from onnxruntime's tools kept or refused."""

from __future__ import annotations

import hashlib

import numpy as np
import onnx
import onnx.numpy_helper
import pytest
from onnx import TensorProto, helper
from PIL import Image

from classifier_training.quantize import Verdict, evaluate, judge, main, serving_section
from image_classifier.engine import INPUT_NAME, OUTPUT_NAME, OnnxEngine
from image_classifier.model_card import INT8_FILE, MODEL_FILE, ModelCard
from image_classifier.model_folder import CardHeader, write_model_folder
from image_classifier.preprocessing import InputSpec

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
    header = CardHeader("tiny", "1", LABELS, SPEC)
    write_model_folder(directory, model.SerializeToString(), header, {"training": {"seed": 1}})
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


def verdict(agreement: float, float_accuracy: float, int8_accuracy: float) -> Verdict:
    return Verdict(1000, agreement, float_accuracy, int8_accuracy)


def test_the_gate_sits_at_99_percent_agreement_and_half_a_point():
    assert verdict(0.99, 0.900, 0.895).kept
    assert not verdict(0.989, 0.900, 0.900).kept
    assert not verdict(1.0, 0.900, 0.894).kept
    assert verdict(0.995, 0.900, 0.910).kept  # int8 better than float is no loss


def test_judge_counts_agreement_with_float_not_with_the_truth():
    float_probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    int8_probs = np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.4, 0.6]])
    judged = judge(float_probs, int8_probs, np.array([0, 1, 1, 1]))
    assert judged == Verdict(4, 0.75, 0.75, 1.0)
    assert judged.accuracy_loss_points == pytest.approx(-25.0)
    assert not judged.kept


def test_the_card_serves_int8_only_when_kept_and_says_why():
    kept = serving_section(verdict(0.996, 0.93, 0.93))
    assert kept["graph"] == INT8_FILE
    assert "99.6% top-1 agreement" in kept["why"] and "avx512_vnni" in kept["why"]
    assert "MODEL_PRECISION=float" in kept["why"]
    refused = serving_section(verdict(0.95, 0.93, 0.90))
    assert refused["graph"] == MODEL_FILE and refused["why"].startswith("int8 refused")


@pytest.mark.slow
def test_a_faithful_int8_graph_is_kept_named_by_the_card_and_served_on_request(tmp_path):
    model_dir = _model_dir(tmp_path)
    entry = evaluate(model_dir, _photos(tmp_path))
    assert entry["kept"] and entry["top1_agreement"] >= 0.99
    assert entry["accuracy_loss_points"] <= 0.5
    int8 = onnx.load(model_dir / INT8_FILE)
    assert {"QuantizeLinear", "DequantizeLinear"} <= {n.op_type for n in int8.graph.node}
    card = ModelCard.load(model_dir)
    assert card.metadata["int8"] == entry
    assert card.serving_graph == INT8_FILE and (model_dir / MODEL_FILE).is_file()
    assert hashlib.sha256((model_dir / INT8_FILE).read_bytes()).hexdigest() == entry["sha256"]
    assert OnnxEngine(card, precision="int8").graph.file == INT8_FILE


@pytest.mark.slow
def test_a_refusal_is_recorded_with_its_measurement_and_leaves_no_file(tmp_path, monkeypatch):
    import classifier_training.quantize as quantize

    model_dir = _model_dir(tmp_path)
    monkeypatch.setattr(quantize, "MIN_AGREEMENT", 1.01)  # a bar no graph can meet
    entry = evaluate(model_dir, _photos(tmp_path))
    assert not entry["kept"] and entry["file"] is None
    assert 0 <= entry["top1_agreement"] <= 1
    assert not (model_dir / INT8_FILE).exists()
    card = ModelCard.load(model_dir)
    assert card.metadata["int8"]["kept"] is False and card.serving_graph == MODEL_FILE


def test_a_missing_data_dir_exits_2(tmp_path, capsys):
    assert main([str(_model_dir(tmp_path)), "--data-dir", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err

"""Bad input: a clear message on stderr, exit code 2, and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from classifier_training.importing import cli
from tests.support.factories import ROOT

from .conftest import torch_like_onnx

HEAD = 4 * np.eye(3)


def run(capsys, tmp_path, source, *flags, labels=None):
    output = tmp_path / "out"
    if labels is None:
        labels = tmp_path / "labels.json"
        labels.write_text('["red", "green", "blue"]')
    code = cli.main([str(source), "--labels", str(labels), "--output", str(output), *flags])
    return code, capsys.readouterr().err, output


def test_an_unreadable_onnx_file(tmp_path, capsys):
    source = tmp_path / "broken.onnx"
    source.write_bytes(b"\x00not a model")
    code, err, output = run(capsys, tmp_path, source)
    assert code == 2 and "not a readable ONNX model" in err and not output.exists()


@pytest.mark.parametrize("name", ["model.pt", "missing.onnx"])
def test_an_unsupported_or_missing_file(tmp_path, capsys, name):
    source = tmp_path / name
    if name.endswith(".pt"):
        source.write_bytes(b"PK")
    code, err, output = run(capsys, tmp_path, source)
    assert code == 2 and str(source) in err and not output.exists()


def test_several_outputs_need_a_picking_flag(tmp_path, capsys):
    source = torch_like_onnx(tmp_path / "two.onnx", weights=HEAD, outputs=2)
    code, err, output = run(capsys, tmp_path, source, "--preset", "torchvision")
    assert code == 2 and "--output-name" in err and "features" in err and not output.exists()
    code, _, output = run(
        capsys, tmp_path, source, "--preset", "torchvision", "--output-name", "191"
    )
    assert code == 0 and (output / "model.onnx").exists()


def test_a_dynamic_height_and_width_need_image_size(tmp_path, capsys):
    source = torch_like_onnx(tmp_path / "dyn.onnx", weights=HEAD, height="h", width="w")
    code, err, output = run(capsys, tmp_path, source, "--preset", "torchvision")
    assert code == 2 and "--image-size" in err and not output.exists()
    code, _, output = run(
        capsys, tmp_path, source, "--preset", "torchvision", "--image-size", "12x20"
    )
    assert code == 0
    assert '"height": 12' in (output / "metadata.json").read_text()


def test_a_label_count_that_differs_from_the_output_width(tmp_path, capsys):
    labels = tmp_path / "labels.txt"
    labels.write_text("red\ngreen\n")
    source = torch_like_onnx(tmp_path / "m.onnx", weights=HEAD)
    code, err, output = run(capsys, tmp_path, source, "--preset", "torchvision", labels=labels)
    assert code == 2 and "2 labels but the model outputs 3 classes" in err and not output.exists()


def test_a_non_image_input_of_rank_two(tmp_path, capsys):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    )
    source = tmp_path / "tabular.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(source))
    code, err, output = run(capsys, tmp_path, source)
    assert code == 2 and "not an image batch" in err and not output.exists()


def test_a_channel_count_that_fits_no_colour_order(tmp_path, capsys):
    source = torch_like_onnx(tmp_path / "rgba.onnx", weights=np.ones((3, 4)), channels=4)
    code, err, output = run(capsys, tmp_path, source, "--layout", "NCHW")
    assert code == 2 and "4 channels" in err and not output.exists()


def test_a_layout_the_shape_cannot_settle_is_not_guessed(tmp_path, capsys):
    source = torch_like_onnx(tmp_path / "square.onnx", weights=HEAD, height=3, width=3)
    code, err, output = run(capsys, tmp_path, source)
    assert code == 2 and "--layout" in err and not output.exists()


@pytest.mark.parametrize("flag", ["--mean", "--std"])
def test_a_mean_or_std_that_fits_no_channel_count(tmp_path, capsys, flag):
    source = torch_like_onnx(tmp_path / "m.onnx", weights=HEAD)
    code, err, output = run(capsys, tmp_path, source, flag, "0.5,0.5")
    assert code == 2 and f"{flag} has 2 values" in err and not output.exists()


def test_labels_that_repeat(tmp_path, capsys):
    labels = tmp_path / "labels.txt"
    labels.write_text("red\nred\nblue\n")
    source = torch_like_onnx(tmp_path / "m.onnx", weights=HEAD)
    code, err, output = run(capsys, tmp_path, source, labels=labels)
    assert code == 2 and "distinct" in err and not output.exists()


def test_an_eval_dir_folder_that_names_no_label(tmp_path, capsys):
    (tmp_path / "eval" / "purple").mkdir(parents=True)
    source = torch_like_onnx(tmp_path / "m.onnx", weights=HEAD)
    code, err, output = run(
        capsys, tmp_path, source, "--preset", "torchvision", "--eval-dir", str(tmp_path / "eval")
    )
    assert code == 2 and "purple" in err and not output.exists()


def test_logits_declared_as_probabilities_draw_a_warning_into_the_card(tmp_path, capsys):
    source = torch_like_onnx(tmp_path / "m.onnx", weights=HEAD)
    code, err, output = run(
        capsys, tmp_path, source, "--preset", "torchvision", "--output-kind", "probabilities"
    )
    assert code == 0 and "--output-kind logits" in err
    card = json.loads((output / "metadata.json").read_text())
    assert card["preprocessing"]["output_kind"] == "probabilities"
    assert "--output-kind logits" in card["warnings"][0]


def test_the_script_is_the_cli(tmp_path):
    source = tmp_path / "model.pt"
    source.write_bytes(b"PK")
    (tmp_path / "labels.txt").write_text("a\nb\n")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "import_model.py"),
            str(source),
            "--labels",
            str(tmp_path / "labels.txt"),
            "--output",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "unsupported file" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_an_output_of_class_indices_is_not_scores(tmp_path, capsys):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("ArgMax", ["x"], ["y"], axis=1, keepdims=0)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, [None, 8, 8])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "argmax.onnx"))
    code, err, output = run(capsys, tmp_path, tmp_path / "argmax.onnx")
    assert code == 2 and "not scores" in err and not output.exists()


def test_a_colour_mode_that_does_not_fit_the_channels(tmp_path, capsys):
    source = torch_like_onnx(tmp_path / "grey.onnx", weights=np.ones((3, 1)), channels=1)
    code, err, output = run(capsys, tmp_path, source, "--preset", "torchvision")
    assert code == 2 and "colour mode RGB" in err and not output.exists()

"""A failed parity check: exit code 3, the message on stderr, and the previous model untouched."""

from __future__ import annotations

import numpy as np

from classifier_training.importing import cli

from .conftest import torch_like_onnx


def test_a_graph_beyond_the_bound_exits_3_and_writes_nothing(tmp_path, capsys, monkeypatch):
    source = torch_like_onnx(tmp_path / "m.onnx", weights=4 * np.eye(3))
    labels = tmp_path / "labels.txt"
    labels.write_text("red\ngreen\nblue\n")
    output = tmp_path / "model"
    output.mkdir()
    (output / "keep.txt").write_text("previous model")
    monkeypatch.setattr("classifier_training.importing.parity.FLOAT_BOUND", -1.0)
    argv = [
        str(source),
        "--labels",
        str(labels),
        "--output",
        str(output),
        "--preset",
        "torchvision",
    ]
    assert cli.main(argv) == 3
    assert "disagrees with the source's runtime" in capsys.readouterr().err
    assert [p.name for p in output.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.txt", "m.onnx", "model"]

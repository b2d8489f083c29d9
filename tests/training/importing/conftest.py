"""Source models built inside the tests (no downloads), and serving an imported model directory.

The colour classes are separable by design, so a model trained for a few seconds gets every
image right and each round trip has a known expected top label.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

from classifier_devtools.events import http_api_event
from classifier_devtools.paths import load_handler
from image_classifier.http_app import HttpApp
from image_classifier.model import Classifier
from tests.support.factories import b64, encode

COLOURS = {"red": 0, "green": 1, "blue": 2}
LABELS = list(COLOURS)
SIDE = 16


def colour_images(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy 16x16 RGB images whose dominant channel is the class (uint8, NHWC)."""
    rng = np.random.default_rng(seed)
    targets = np.arange(count) % len(LABELS)
    pixels = rng.integers(0, 90, (count, SIDE, SIDE, 3))
    for i, channel in enumerate(targets):
        pixels[i, :, :, channel] += rng.integers(150, 166)
    return pixels.astype(np.uint8), targets


@pytest.fixture(scope="session")
def labels_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("labels") / "labels.txt"
    path.write_text("\n".join(LABELS) + "\n")
    return path


@pytest.fixture(scope="session")
def eval_dir(tmp_path_factory) -> Path:
    """One folder per label, as --eval-dir wants, 8 PNGs each."""
    root = tmp_path_factory.mktemp("eval")
    pixels, targets = colour_images(24, seed=7)
    for i, (image, target) in enumerate(zip(pixels, targets, strict=True)):
        folder = root / LABELS[target]
        folder.mkdir(exist_ok=True)
        (folder / f"{i}.png").write_bytes(encode(Image.fromarray(image, "RGB")))
    return root


def eval_images(eval_dir: Path) -> list[tuple[bytes, str]]:
    return [(p.read_bytes(), p.parent.name) for p in sorted(eval_dir.rglob("*.png"))]


@pytest.fixture
def serve(monkeypatch):
    """POST one image (or GET /model) through handler.classify with `model_dir` loaded."""
    handler = load_handler()

    def call(model_dir: Path, image: bytes | None = None) -> dict:
        settings = replace(handler.SETTINGS, model_dir=model_dir)
        monkeypatch.setattr(handler, "HTTP_APP", HttpApp(Classifier.load(model_dir), settings))
        if image is None:
            event = http_api_event(None, method="GET", path="/model")
        else:
            event = http_api_event(json.dumps({"image": b64(image), "top_k": 1}))
        response = handler.classify(event)
        assert response["statusCode"] == 200, response["body"]
        return json.loads(response["body"])

    return call


def torch_like_onnx(
    path: Path,
    *,
    weights: np.ndarray,
    input_name: str = "input.1",
    batch: int | str = 1,
    height: int | str = SIDE,
    width: int | str = SIDE,
    channels: int = 3,
    outputs: int = 1,
    softmax: bool = False,
    metadata: dict[str, str] | None = None,
) -> Path:
    """NCHW image in, GlobalAveragePool, Flatten, Gemm: the shape torch.onnx.export writes
    for a pooled linear head (fixed batch 1, numbered output names, producer pytorch)."""
    classes = weights.shape[0]
    nodes = [
        helper.make_node("GlobalAveragePool", [input_name], ["/pool/Output_0"]),
        helper.make_node("Flatten", ["/pool/Output_0"], ["/flatten/Output_0"], axis=1),
        helper.make_node("Gemm", ["/flatten/Output_0", "fc.weight", "fc.bias"], ["191"], transB=1),
    ]
    out_names = ["191"]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["191"], ["model_output"], axis=1))
        out_names = ["model_output"]
    if outputs == 2:
        nodes.append(helper.make_node("Identity", [out_names[0]], ["features"]))
        out_names.append("features")
    graph = helper.make_graph(
        nodes,
        "main_graph",
        [
            helper.make_tensor_value_info(
                input_name, TensorProto.FLOAT, [batch, channels, height, width]
            )
        ],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [batch, classes]) for n in out_names],
        [
            numpy_helper.from_array(weights.astype(np.float32), "fc.weight"),
            numpy_helper.from_array(np.zeros(classes, np.float32), "fc.bias"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    model.producer_name, model.producer_version = "pytorch", "2.5.1"
    for key, value in (metadata or {}).items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path

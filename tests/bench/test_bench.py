"""The benchmark runs end to end in its quick mode, so it cannot rot; timings are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from classifier_bench.models import bench_models
from classifier_bench.results import CHART, RESULTS_FILE

pytestmark = pytest.mark.slow

IMAGES = {"jpeg_100x100", "jpeg_640x480", "jpeg_4000x3000", "png_512x512"}


def test_bench_quick_mode_writes_its_report_for_the_photo_model(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "classifier_bench.cli", "--quick", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / RESULTS_FILE).read_text())
    model = results["models"]["mobilenet_v3_small"]
    photo = next(m for m in bench_models(["mobilenet_v3_small"]))
    variants = {"onnx", "onnx-fused"} | ({"onnx-int8"} if photo.int8_kept else set())
    assert set(model["cold"]["pinned"]) == variants | {"keras", "litert"}
    assert set(model["warm"]["pinned"]) == variants | {"keras", "litert"}
    for figures in model["warm"]["pinned"].values():
        assert set(figures["latency"]) == IMAGES
        assert figures["throughput_images_per_s"] > 0
    assert model["flops"]["depthwise"] > 0 and model["flops"]["dense"] > 0
    assert {"production", "spinning", "preopt_extended_load_all", "spinning@2threads"} <= set(
        model["tuning"]
    )
    fairness = model["fairness"]
    assert fairness["nan_outputs"] == 0
    assert fairness["output_std_across_images"] > 0
    markdown = (tmp_path / "BENCHMARKS.md").read_text()
    for heading in (
        "## The models at a glance",
        "## Targets (mobilenet_v3_small",
        "## Cost per million images",
        "## onnxruntime tuning",
        "## Is the LiteRT peer fair?",
        "## int8",
        "## mobilenet_v3_small: every figure",
        "## Optimisations kept",
    ):
        assert heading in markdown
    assert (tmp_path / CHART).read_bytes().startswith(b"\x89PNG")


def test_every_committed_bench_model_has_what_make_bench_needs():
    """A fresh clone has no photos: the bench models must be complete and self-consistent."""
    from image_classifier.model import Classifier

    for model in bench_models():
        for name in ("model.onnx", "labels.json", "metadata.json", "model.keras"):
            assert (model.model_dir / name).is_file(), f"{model.model_dir / name} is missing"
        classifier = Classifier.load(model.model_dir)
        assert classifier.spec.shape == tuple(
            model.metadata["input"][k] for k in ("height", "width", "channels")
        )
        if model.int8_kept:
            int8 = model.metadata["int8"]
            assert int8["top1_agreement"] >= 0.99 and int8["accuracy_loss_points"] <= 0.5
            assert (model.model_dir / int8["file"]).is_file()

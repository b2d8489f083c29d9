"""The benchmark runs end to end in its quick mode, so it cannot rot; timings are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from classifier_bench.models import KERAS_FILE, PHOTO_MODELS, bench_models
from classifier_bench.results import CHART, RESULTS_FILE
from image_classifier.graph_choice import cpu_flags
from image_classifier.model_card import INT8_FILE, LABELS_FILE, METADATA_FILE, MODEL_FILE

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
    (photo,) = bench_models(list(PHOTO_MODELS))
    model = results["models"][photo.name]
    ours = {"onnx"} | ({"onnx-int8"} if photo.int8_graph else set())  # kept, or refused aside
    litert = {"litert"} | ({"litert-int8"} if photo.litert_int8 else set())
    assert set(model["cold"]["pinned"]) == ours | {"keras"} | litert
    assert set(model["warm"]["pinned"]) == ours | {"keras"} | litert
    assert model["served"]["engine"] in ours
    for figures in model["warm"]["pinned"].values():
        assert set(figures["latency"]) == IMAGES
        assert figures["throughput_images_per_s"] > 0
    assert model["flops"]["depthwise"] > 0 and model["flops"]["dense"] > 0
    assert {"production", "spinning", "preopt_extended_load_all", "spinning@2threads"} <= set(
        model["tuning"]
    )
    assert set(model["fairness"]) == litert
    for checks in model["fairness"].values():
        assert checks["nan_outputs"] == 0
        assert checks["output_std_across_images"] > 0
    assert results["machine"]["flags"] == [
        flag
        for flag in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
        if flag in cpu_flags()
    ]
    markdown = (tmp_path / "BENCHMARKS.md").read_text()
    for heading in (
        "## The models at a glance",
        f"## Targets ({photo.name}",
        "## Cost per million images",
        "## onnxruntime tuning",
        "## Is the LiteRT peer fair?",
        "## int8",
        f"## {photo.name}: every figure",
        "## Optimisations kept",
    ):
        assert heading in markdown
    assert (tmp_path / CHART).read_bytes().startswith(b"\x89PNG")


def test_every_committed_bench_model_has_what_make_bench_needs():
    """A fresh clone has no photos: the bench models must be complete and self-consistent."""
    from image_classifier.model import Classifier

    for model in bench_models():
        for name in (MODEL_FILE, LABELS_FILE, METADATA_FILE, KERAS_FILE):
            assert (model.model_dir / name).is_file(), f"{model.model_dir / name} is missing"
        classifier = Classifier.load(model.model_dir, precision="float")
        assert classifier.spec.shape == tuple(
            model.metadata["input"][k] for k in ("height", "width", "channels")
        )
        if model.int8_kept:
            int8 = model.metadata["int8"]
            assert int8["top1_agreement"] >= 0.99 and int8["accuracy_loss_points"] <= 0.5
            int8_classifier = Classifier.load(model.model_dir, precision="int8")
            assert int8_classifier.engine.graph.file == INT8_FILE

"""The benchmark runs end to end in its quick mode, so it cannot rot; timings are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from classifier_bench.report import CHART, RESULTS

pytestmark = pytest.mark.slow


def test_bench_quick_mode_writes_its_report(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier_bench.cli",
            "--quick",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / RESULTS / "benchmarks.json").read_text())
    assert set(results["cold"]["pinned"]) == {"onnx", "keras", "litert"}
    assert set(results["warm"]["pinned"]) == {"onnx", "keras", "keras-eager", "litert"}
    for figures in results["warm"]["pinned"].values():
        assert set(figures["latency"]) == {
            "jpeg_100x100",
            "jpeg_640x480",
            "jpeg_4000x3000",
            "png_512x512",
        }
        assert figures["throughput_images_per_s"] > 0
    assert results["flops"] > 0
    markdown = (tmp_path / "BENCHMARKS.md").read_text()
    for heading in (
        "## Targets",
        "## Cold start",
        "## Warm latency",
        "## Throughput and memory",
        "## Where this project's time goes",
        "## Optimisations kept",
    ):
        assert heading in markdown
    assert (tmp_path / CHART).read_bytes().startswith(b"\x89PNG")

"""BENCHMARKS.md is rendered from the committed results; each missed goal is explained."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

from classifier_bench.report.__main__ import main
from classifier_bench.report.markdown import render
from classifier_bench.report.targets import targets_section
from classifier_bench.results import RESULTS_FILE, Results
from classifier_bench.verdicts import HEADLINE, Goal, target_rows
from classifier_devtools.paths import ROOT
from tests.bench.sample import SAMPLE, TIMES

MISSED = "Where a target is missed"


def explanations(results: Results, missed: set[Goal]) -> list[str]:
    rows = [replace(row, met=row.goal not in missed) for row in target_rows(results)]
    return [line for line in targets_section(results, rows) if line.startswith("* **")]


def test_the_committed_benchmarks_page_is_rendered_from_the_committed_results(tmp_path):
    assert main([str(ROOT / RESULTS_FILE), "--output-dir", str(tmp_path), "--no-chart"]) == 0
    rendered = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert rendered == (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")


def test_a_broken_results_file_is_named_and_nothing_is_written(tmp_path, capsys):
    broken = json.loads(SAMPLE.read_text(encoding="utf-8"))
    del broken["rates"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert main([str(path), "--output-dir", str(tmp_path), "--no-chart"]) == 2
    assert "rates: missing" in capsys.readouterr().err
    assert not (tmp_path / "BENCHMARKS.md").exists()


def test_each_missed_goal_gets_its_own_explanation_whatever_its_label():
    results = Results.load(SAMPLE)
    relabelled = [replace(row, figure=f"row {i}") for i, row in enumerate(target_rows(results))]
    lines = list(targets_section(results, relabelled))
    # Six misses; the peak RSS miss is explained under "Memory".
    assert sum(line.startswith("* **") for line in lines) == 6
    assert explanations(results, {Goal.WARM_VS_KERAS})[0].startswith("* **vs Keras: ")
    assert explanations(results, {Goal.RSS_GROWTH})[0].startswith("* **Memory.** RSS after init")
    cold = explanations(results, {Goal.COLD_VS_KERAS, Goal.COLD_START})
    assert len(cold) == 1 and cold[0].startswith("* **Cold start.** Of ")


def test_when_every_target_is_met_nothing_is_explained():
    results = Results.load(SAMPLE)
    rows = [replace(row, met=True) for row in target_rows(results)]
    lines = list(targets_section(results, rows))
    assert not any(line.startswith(MISSED) for line in lines)
    assert "**no**" not in "\n".join(lines)


def test_the_floor_is_explained_without_litert_figures(document, headline):
    for placement in ("cold", "warm"):
        for engine in ("litert", "litert-int8"):
            del headline[placement]["pinned"][engine]
    results = Results.from_json(document)
    (floor,) = explanations(results, {Goal.INFERENCE_VS_FLOOR})
    assert floor.startswith("* **Compute floor: ")
    assert "LiteRT" not in floor


def test_a_policy_that_serves_the_slower_graph_is_explained(document, headline):
    headline["card"]["int8"]["kept"] = True
    float_ms = headline["warm"]["pinned"]["onnx"]["inference_only"]["p50_ms"]
    headline["warm"]["pinned"]["onnx-int8"]["inference_only"]["p50_ms"] = float_ms / 2
    results = Results.from_json(document)
    (row,) = [row for row in target_rows(results) if row.goal is Goal.INT8]
    assert not row.met
    (note,) = explanations(results, {Goal.INT8})
    assert note.startswith("* **int8 on a CPU without int8 dot products.** On AMD EPYC (AVX2;")
    assert "yet serving loads `model.onnx`" in note


def test_every_table_names_the_cpu_it_was_measured_on():
    results = Results.load(ROOT / RESULTS_FILE)
    text = render(results)
    facts = results.machine.cpu_facts
    assert facts.startswith("AMD EPYC (AVX2; no AVX-512, AVX-512 VNNI, AVX-VNNI, AMX-INT8")
    for heading in ("## The models at a glance", "## Targets", "## Cost per million", "## int8"):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        assert facts in section, heading


def test_a_new_photo_model_needs_no_new_report_code():
    document = json.loads((ROOT / RESULTS_FILE).read_text(encoding="utf-8"))
    models = document["models"]
    lite1 = copy.deepcopy(models[HEADLINE])
    lite1["card"]["backbone"]["name"] = "efficientnet_lite1"
    lite1["card"]["input"].update(height=240, width=240)
    document["models"] = {
        HEADLINE: models[HEADLINE],
        "efficientnet_lite1": lite1,
        "digits": models["digits"],
    }
    text = render(Results.from_json(document))
    assert (
        f"Models: `{HEADLINE}` at 224{TIMES}224 and `efficientnet_lite1` at 240{TIMES}240, "
        "both trained on the flowers photos"
    ) in text
    assert "## efficientnet_lite1: every figure" in text
    assert "## onnxruntime tuning for a one-vCPU Lambda: efficientnet_lite1" in text

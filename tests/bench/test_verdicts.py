"""Each target's pass/fail, from a trimmed real run with single figures moved across the line."""

from __future__ import annotations

from typing import Any

import pytest

from classifier_bench.results import PHOTO, Results
from classifier_bench.verdicts import Goal, TargetRow, target_rows
from tests.bench.sample import TIMES


def verdicts(document: dict[str, Any]) -> dict[Goal, TargetRow]:
    rows = target_rows(Results.from_json(document))
    assert len({row.goal for row in rows}) == len(rows), "one row per goal"
    return {row.goal: row for row in rows}


def warm(model: dict[str, Any], engine: str) -> dict[str, Any]:
    figures: dict[str, Any] = model["warm"]["pinned"][engine]
    return figures


def set_p50(model: dict[str, Any], engine: str, ms: float) -> None:
    warm(model, engine)["latency"][PHOTO]["p50_ms"] = ms


def p50(model: dict[str, Any], engine: str) -> float:
    value: float = warm(model, engine)["latency"][PHOTO]["p50_ms"]
    return value


def set_inference(model: dict[str, Any], engine: str, ms: float) -> None:
    warm(model, engine)["inference_only"]["p50_ms"] = ms


def floor_ms(document: dict[str, Any]) -> float:
    results = Results.from_json(document)
    return results.rates["pinned"].floor_ms(results.models["mobilenet_v3_small"].flops)


def test_the_committed_run_meets_and_misses_what_its_benchmarks_page_says(document):
    rows = verdicts(document)
    assert list(rows) == list(Goal)
    missed = {goal for goal, row in rows.items() if not row.met}
    assert missed == {
        Goal.WARM_VS_LITERT,
        Goal.WARM_VS_KERAS,
        Goal.INFERENCE_VS_FLOOR,
        Goal.FUSED_WARM_VS_LITERT,
        Goal.FUSED_INFERENCE_VS_FLOOR,
        Goal.COLD_START,
        Goal.HANDLER_OVERHEAD,
    }
    assert rows[Goal.WARM_VS_LITERT].measured == f"8.76 ms vs 6.83 ms (0.78{TIMES})"
    assert rows[Goal.INFERENCE_VS_FLOOR].measured == f"4.614 ms vs 2.193 ms (2.10{TIMES})"
    assert rows[Goal.COLD_VS_KERAS].measured == f"11.04 s, 28.36{TIMES}"


@pytest.mark.parametrize(("keras_over_onnx", "met"), [(2.0, True), (1.99, False)])
def test_keras_must_be_at_least_twice_as_slow_at_the_handler(
    document, headline, keras_over_onnx, met
):
    set_p50(headline, "keras", p50(headline, "onnx") * keras_over_onnx)
    assert verdicts(document)[Goal.WARM_VS_KERAS].met is met


@pytest.mark.parametrize(("litert_minus_onnx_ms", "met"), [(0.01, True), (0.0, False)])
def test_beating_litert_means_strictly_faster(document, headline, litert_minus_onnx_ms, met):
    set_p50(headline, "litert", p50(headline, "onnx") + litert_minus_onnx_ms)
    assert verdicts(document)[Goal.WARM_VS_LITERT].met is met


@pytest.mark.parametrize(("over_floor", "met"), [(1.49, True), (1.51, False)])
def test_inference_must_stay_within_one_and_a_half_times_the_compute_floor(
    document, headline, over_floor, met
):
    set_inference(headline, "onnx", floor_ms(document) * over_floor)
    set_inference(headline, "onnx-fused", floor_ms(document) * over_floor)
    rows = verdicts(document)
    assert rows[Goal.INFERENCE_VS_FLOOR].met is met
    assert rows[Goal.FUSED_INFERENCE_VS_FLOOR].met is met


@pytest.mark.parametrize(("seconds", "met"), [(0.3, True), (0.301, False)])
def test_cold_start_target_is_three_tenths_of_a_second(document, headline, seconds, met):
    headline["cold"]["pinned"]["onnx"]["inside"]["median"] = seconds
    assert verdicts(document)[Goal.COLD_START].met is met


@pytest.mark.parametrize(("ratio", "met"), [(1.10, True), (1.11, False)])
def test_handler_overhead_target(document, headline, ratio, met):
    headline["breakdown"]["pinned"][PHOTO]["overhead_ratio"] = ratio
    row = verdicts(document)[Goal.HANDLER_OVERHEAD]
    assert row.met is met
    assert row.measured == f"{ratio:.2f}{TIMES}"


def test_the_largest_graph_with_a_backbone_is_the_cold_start_worst_case(document):
    digits = document["models"]["digits"]
    digits["onnx_bytes"] = 20_000_000
    digits["cold"]["pinned"]["onnx"]["inside"]["median"] = 0.6
    rows = verdicts(document)
    assert rows[Goal.COLD_START_LARGEST].figure.startswith(
        "Cold start, largest shipped graph (digits"
    )
    assert not rows[Goal.COLD_START_LARGEST].met
    del digits["card"]["backbone"]
    rows = verdicts(document)
    assert "(cnn, 4.9 MB)" in rows[Goal.COLD_START_LARGEST].figure
    assert rows[Goal.COLD_START_LARGEST].met


def test_the_package_target_swaps_the_digits_graph_for_the_largest_photo_graph(document):
    models = document["models"]
    graph_mb = (models["cnn"]["onnx_bytes"] - models["digits"]["onnx_bytes"]) / 1e6
    document["packages"]["onnx"]["unzipped_mb"] = 120.0 - graph_mb
    assert verdicts(document)[Goal.DEPLOY_PACKAGE].met
    document["packages"]["onnx"]["unzipped_mb"] = 120.1 - graph_mb
    row = verdicts(document)[Goal.DEPLOY_PACKAGE]
    assert (row.figure, row.measured, row.met) == (
        "Deploy package, unzipped, with cnn",
        "120.1 MB",
        False,
    )


def test_no_package_row_when_the_package_was_not_measured(document):
    document["packages"] = {}
    assert Goal.DEPLOY_PACKAGE not in verdicts(document)


def test_a_refused_int8_graph_meets_the_target_whatever_its_speed(document):
    row = verdicts(document)[Goal.INT8]
    assert row.met
    assert row.measured.startswith("refused: 90.7% agreement, +3.1 points lost")


@pytest.mark.parametrize(("speedup", "met"), [(1.6, True), (1.2, False)])
def test_a_kept_int8_graph_must_be_half_again_as_fast(document, headline, speedup, met):
    headline["card"]["int8"]["kept"] = True
    headline["warm"]["pinned"]["onnx-int8"] = dict(warm(headline, "onnx"))
    headline["warm"]["pinned"]["onnx-int8"]["inference_only"] = {
        **warm(headline, "onnx")["inference_only"],
        "p50_ms": warm(headline, "onnx")["inference_only"]["p50_ms"] / speedup,
    }
    row = verdicts(document)[Goal.INT8]
    assert row.met is met
    assert row.measured.startswith(f"kept: {speedup:.2f}{TIMES} faster")


def test_a_kept_int8_graph_that_was_not_measured_is_not_a_pass(document, headline):
    headline["card"]["int8"]["kept"] = True
    row = verdicts(document)[Goal.INT8]
    assert not row.met
    assert row.measured.startswith("kept, but not measured in this run")


def test_no_int8_row_without_an_int8_verdict_on_the_card(document, headline):
    headline["card"]["int8"] = None
    assert Goal.INT8 not in verdicts(document)


@pytest.mark.parametrize(
    ("peak_mb", "growth_mb", "requests", "peak_met", "growth_met"),
    [
        (200.0, 5.0, 5000, True, True),
        (200.5, 5.01, 5000, False, False),
        (150.0, 0.0, 4999, True, False),  # growth over 3,999 requests proves too little
    ],
)
def test_memory_targets(document, headline, peak_mb, growth_mb, requests, peak_met, growth_met):
    onnx = warm(headline, "onnx")
    onnx.update(peak_rss_at_mark_mb=peak_mb, rss_growth_mb=growth_mb, memory_requests=requests)
    rows = verdicts(document)
    assert (rows[Goal.PEAK_RSS].met, rows[Goal.RSS_GROWTH].met) == (peak_met, growth_met)
    assert rows[Goal.RSS_GROWTH].figure == f"RSS growth over {requests - 1000:,} more"


def test_no_memory_rows_when_memory_was_not_measured(document, headline):
    for key in ("memory_mark", "rss_at_mark_mb", "peak_rss_at_mark_mb", "memory_requests"):
        del warm(headline, "onnx")[key]
    del warm(headline, "onnx")["rss_growth_mb"]
    rows = verdicts(document)
    assert Goal.PEAK_RSS not in rows and Goal.RSS_GROWTH not in rows


def test_without_litert_or_fused_figures_their_rows_are_left_out(document, headline):
    for placement in ("cold", "warm"):
        del headline[placement]["pinned"]["litert"]
        del headline[placement]["pinned"]["onnx-fused"]
    goals = set(verdicts(document))
    assert goals.isdisjoint(
        {Goal.WARM_VS_LITERT, Goal.FUSED_WARM_VS_LITERT, Goal.FUSED_INFERENCE_VS_FLOOR}
    )
    assert {Goal.WARM_VS_KERAS, Goal.INFERENCE_VS_FLOOR} <= goals

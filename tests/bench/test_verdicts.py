"""Each target's pass/fail, from a trimmed real run with single figures moved across the line."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from classifier_bench.results import PHOTO, Results
from classifier_bench.verdicts import HEADLINE, Goal, TargetRow, target_rows
from image_classifier.graph_choice import FAST_INT8_FLAGS
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
    return results.rates["pinned"].floor_ms(results.models[HEADLINE].flops)


def ours(model: dict[str, Any]) -> str:
    engine: str = model["served"]["engine"]
    return engine


def with_int8(document: dict[str, Any], model: dict[str, Any], speedup: float, flags: list[str]):
    """The headline with a kept int8 graph `speedup` times faster than float, on a CPU with
    `flags`, served as graph_choice would serve it there."""
    model["card"]["int8"]["kept"] = True
    model["warm"]["pinned"]["onnx-int8"] = copy.deepcopy(warm(model, "onnx"))
    float_ms = warm(model, "onnx")["inference_only"]["p50_ms"]
    set_inference(model, "onnx-int8", float_ms / speedup)
    document["machine"]["flags"] = flags
    fast = bool(set(flags) & FAST_INT8_FLAGS)
    model["served"].update(
        engine="onnx-int8" if fast else "onnx", file="model.int8.onnx" if fast else "model.onnx"
    )


COMMITTED_MISSES = {
    Goal.WARM_VS_LITERT,
    Goal.WARM_VS_KERAS,
    Goal.INFERENCE_VS_FLOOR,
    Goal.COLD_START,
    Goal.HANDLER_OVERHEAD,
    Goal.PEAK_RSS,
}


def test_the_committed_run_meets_and_misses_what_its_benchmarks_page_says(document):
    rows = verdicts(document)
    assert list(rows) == list(Goal)
    missed = {goal for goal, row in rows.items() if not row.met}
    assert missed == COMMITTED_MISSES
    assert rows[Goal.WARM_VS_LITERT].measured == f"43.48 ms vs 31.97 ms (0.74{TIMES})"
    assert rows[Goal.INT8].measured.startswith("refused: 94.7% agreement, +1.8 points; 1.67")


@pytest.mark.parametrize(("keras_over_ours", "met"), [(2.0, True), (1.99, False)])
def test_keras_must_be_at_least_twice_as_slow_at_the_handler(
    document, headline, keras_over_ours, met
):
    set_p50(headline, "keras", p50(headline, ours(headline)) * keras_over_ours)
    assert verdicts(document)[Goal.WARM_VS_KERAS].met is met


@pytest.mark.parametrize(("litert_minus_ours_ms", "met"), [(0.01, True), (0.0, False)])
def test_beating_litert_means_strictly_faster_than_its_best_variant(
    document, headline, litert_minus_ours_ms, met
):
    target = p50(headline, ours(headline)) + litert_minus_ours_ms
    set_p50(headline, "litert", target)
    set_p50(headline, "litert-int8", target + 5)
    row = verdicts(document)[Goal.WARM_VS_LITERT]
    assert row.met is met
    assert row.figure.endswith("(litert)")
    set_p50(headline, "litert-int8", target - 5)
    row = verdicts(document)[Goal.WARM_VS_LITERT]
    assert not row.met and row.figure.endswith("(litert-int8)")


@pytest.mark.parametrize(("over_floor", "met"), [(1.49, True), (1.51, False)])
def test_inference_must_stay_within_one_and_a_half_times_the_compute_floor(
    document, headline, over_floor, met
):
    set_inference(headline, ours(headline), floor_ms(document) * over_floor)
    assert verdicts(document)[Goal.INFERENCE_VS_FLOOR].met is met


@pytest.mark.parametrize(("seconds", "met"), [(0.3, True), (0.301, False)])
def test_cold_start_target_is_three_tenths_of_a_second(document, headline, seconds, met):
    headline["cold"]["pinned"][ours(headline)]["inside"]["median"] = seconds
    assert verdicts(document)[Goal.COLD_START].met is met


@pytest.mark.parametrize(("ratio", "met"), [(1.10, True), (1.11, False)])
def test_handler_overhead_target(document, headline, ratio, met):
    headline["breakdown"]["pinned"][PHOTO]["overhead_ratio"] = ratio
    row = verdicts(document)[Goal.HANDLER_OVERHEAD]
    assert row.met is met
    assert row.measured == f"{ratio:.2f}{TIMES}"


def test_the_package_target_swaps_the_digits_graph_for_both_photo_graphs(document, headline):
    headline["card"]["int8"]["kept"] = True
    headline["graph_bytes"] = {"onnx": 13_000_000, "onnx-int8": 4_000_000, "litert": 99}
    digits_mb = document["models"]["digits"]["onnx_bytes"] / 1e6
    document["packages"]["onnx"]["unzipped_mb"] = 120.0 - 17.0 + digits_mb
    assert verdicts(document)[Goal.DEPLOY_PACKAGE].met
    document["packages"]["onnx"]["unzipped_mb"] = 120.1 - 17.0 + digits_mb
    row = verdicts(document)[Goal.DEPLOY_PACKAGE]
    assert (row.figure, row.measured, row.met) == (
        f"Deploy package, unzipped, with {HEADLINE} (float and int8 graphs)",
        "120.1 MB",
        False,
    )


def test_no_package_row_when_the_package_was_not_measured(document):
    document["packages"] = {}
    assert Goal.DEPLOY_PACKAGE not in verdicts(document)


def test_a_refused_int8_graph_meets_the_target_whatever_its_speed(document, headline):
    headline["card"]["int8"].update(kept=False, top1_agreement=0.907, accuracy_loss_points=3.1)
    row = verdicts(document)[Goal.INT8]
    assert row.met
    assert row.measured.startswith("refused: 90.7% agreement, +3.1 points; ")


@pytest.mark.parametrize(("speedup", "met"), [(1.71, True), (1.69, False)])
def test_with_vnni_a_kept_int8_graph_must_be_served_and_1_7_times_as_fast(
    document, headline, speedup, met
):
    with_int8(document, headline, speedup, ["avx2", "avx512f", "avx512_vnni"])
    row = verdicts(document)[Goal.INT8]
    assert row.met is met
    assert row.figure == "int8 on a CPU with VNNI/AMX"
    headline["served"]["engine"] = "onnx"  # a policy that kept float there fails too
    assert not verdicts(document)[Goal.INT8].met


@pytest.mark.parametrize(("speedup", "met"), [(0.6, True), (1.3, False)])
def test_without_vnni_serving_must_load_the_faster_graph(document, headline, speedup, met):
    with_int8(document, headline, speedup, ["avx2"])
    row = verdicts(document)[Goal.INT8]
    assert row.met is met  # the policy loads float here: right only if float is faster
    assert row.figure == "int8 on a CPU without VNNI/AMX"
    assert row.measured.endswith(f"{speedup:.2f}{TIMES} the float speed; serving loads model.onnx")


def test_a_kept_int8_graph_that_was_not_measured_is_not_a_pass(document, headline):
    headline["card"]["int8"]["kept"] = True
    for placement in ("cold", "warm"):
        headline[placement]["pinned"].pop("onnx-int8", None)
    headline["served"]["engine"] = "onnx"
    row = verdicts(document)[Goal.INT8]
    assert not row.met
    assert row.measured == "kept, but not measured"


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
    served = warm(headline, ours(headline))
    served.update(peak_rss_at_mark_mb=peak_mb, rss_growth_mb=growth_mb, memory_requests=requests)
    rows = verdicts(document)
    assert (rows[Goal.PEAK_RSS].met, rows[Goal.RSS_GROWTH].met) == (peak_met, growth_met)
    assert rows[Goal.RSS_GROWTH].figure == f"RSS growth over {requests - 1000:,} more"


def test_no_memory_rows_when_memory_was_not_measured(document, headline):
    served = warm(headline, ours(headline))
    for key in ("memory_mark", "rss_at_mark_mb", "peak_rss_at_mark_mb", "memory_requests"):
        del served[key]
    del served["rss_growth_mb"]
    rows = verdicts(document)
    assert Goal.PEAK_RSS not in rows and Goal.RSS_GROWTH not in rows


def test_without_litert_figures_its_row_is_left_out(document, headline):
    for placement in ("cold", "warm"):
        for engine in ("litert", "litert-int8"):
            headline[placement]["pinned"].pop(engine, None)
    goals = set(verdicts(document))
    assert Goal.WARM_VS_LITERT not in goals
    assert {Goal.WARM_VS_KERAS, Goal.INFERENCE_VS_FLOOR} <= goals

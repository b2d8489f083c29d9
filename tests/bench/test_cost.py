"""The cost table's arithmetic: Lambda's billing rules applied to measured times."""

from __future__ import annotations

import pytest

from classifier_bench import cost


def test_a_full_vcpu_bills_the_measured_time_rounded_up_to_the_millisecond():
    figures = cost.per_million(warm_ms=2.2, init_s=0.0, memory_mb=1769)
    assert figures["billed_ms"] == 3
    expected = 1e6 * (0.003 * 1769 / 1024 * cost.PRICE_PER_GB_SECOND + cost.PRICE_PER_REQUEST)
    assert figures["warm"] == pytest.approx(expected)
    assert figures["with_cold_starts"] == pytest.approx(figures["warm"])


def test_below_one_vcpu_a_request_takes_longer_and_more_memory_never_speeds_one_thread():
    assert cost.per_million(10.0, 0.0, 1024)["billed_ms"] == 18  # 10 ms x 1769/1024
    assert cost.per_million(10.0, 0.0, 3008)["billed_ms"] == 10


def test_cold_starts_are_billed_once_per_cold_every_requests():
    warm = cost.per_million(5.0, 0.0, 1769)
    cold = cost.per_million(5.0, 0.5, 1769)
    per_init = 0.5 * 1769 / 1024 * cost.PRICE_PER_GB_SECOND
    assert cold["with_cold_starts"] - warm["with_cold_starts"] == pytest.approx(
        1e6 / cost.COLD_EVERY * per_init
    )


def test_break_even_is_where_lambda_costs_one_always_on_inference_unit():
    images = cost.break_even_images_per_month(cost_per_million=10.0)
    assert images / 1e6 * 10.0 == pytest.approx(4.0 * 730)

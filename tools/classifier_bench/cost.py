"""Dollars per million images on Lambda from measured times, and break-even with Rekognition.

Prices (us-east-1, x86, first pricing tier), from aws.amazon.com/lambda/pricing and the AWS
whitepaper "How AWS Pricing Works", as consulted on 2026-11-29: $0.0000166667 per GB-second
and $0.20 per million requests; duration is billed per 1 ms, rounded up, and since
1 August 2025 the INIT phase of on-demand ZIP functions is billed as duration too (AWS
Compute blog, "AWS Lambda standardizes billing for INIT phase", April 2025). Rekognition Custom
Labels: $4 per inference-unit hour while the model runs, used or not.
"""

from __future__ import annotations

import math

PRICE_PER_GB_SECOND = 0.0000166667
PRICE_PER_REQUEST = 0.20 / 1e6
PRICES_AS_OF = "2026-11-29"
REKOGNITION_PER_HOUR = 4.0
HOURS_PER_MONTH = 730
MEMORY_SIZES_MB = (1024, 1769, 3008)
MB_PER_VCPU = 1769
COLD_EVERY = 1000  # AWS: INITs "typically occur in under 1% of invocations"


def slowdown(memory_mb: int) -> float:
    """A single-threaded request gets memory/1769 of a vCPU below 1769 MB, all of one above."""
    return max(1.0, MB_PER_VCPU / memory_mb)


def per_million(warm_ms: float, init_s: float, memory_mb: int) -> dict[str, float]:
    """Warm-only cost, and the cost with one billed cold start per COLD_EVERY requests."""
    gb = memory_mb / 1024
    billed_ms = math.ceil(warm_ms * slowdown(memory_mb))
    warm = 1e6 * (billed_ms / 1000 * gb * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST)
    init = 1e6 / COLD_EVERY * init_s * slowdown(memory_mb) * gb * PRICE_PER_GB_SECOND
    return {"billed_ms": billed_ms, "warm": warm, "with_cold_starts": warm + init}


def rekognition_monthly(units: int = 1) -> float:
    return REKOGNITION_PER_HOUR * HOURS_PER_MONTH * units


def break_even_images_per_month(cost_per_million: float) -> float:
    """Images a month at which Lambda costs as much as one always-on inference unit."""
    return rekognition_monthly() / cost_per_million * 1e6

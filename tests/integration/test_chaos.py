"""The bounded chaos run: 60 uploads through the trigger path with injected S3 faults, the
platform's retries, the on-failure queue and a redrive (`make chaos` runs 500)."""

from __future__ import annotations

import contextlib
import io

import pytest

from classifier_devtools.chaos import run

pytestmark = pytest.mark.slow


def test_nothing_is_lost_or_duplicated_under_faults(moto_server):
    with contextlib.redirect_stdout(io.StringIO()):
        report = run(
            60, endpoint=moto_server, throttle_rate=0.15, error_rate=0.45, repeat_rate=0.1, seed=14
        )
    print("\n".join(report.lines()))
    assert report.uploads == 60 and report.deliveries > 60
    assert report.faults and sum(report.faults.values()) > 60
    assert report.invocations > report.deliveries
    assert report.dlq_before_redrive == report.dead_lettered > 0
    assert report.covered
    assert report.results_after_trigger + report.uploads_only_in_dlq == report.uploads
    # A repeat delivery may also fail, or succeed after the first was dead-lettered.
    assert report.dlq_before_redrive >= report.uploads_only_in_dlq + report.stale_dead_letters
    assert report.dlq_after_redrive == 0 and report.redrive_replays >= report.dlq_before_redrive
    assert report.results == 60 and report.error_results == 2
    assert report.current_skips >= report.deliveries - report.uploads
    assert report.lost == 0 and report.duplicated == 0 and report.rewrites == 0
    assert report.ok

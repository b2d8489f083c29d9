"""The bounded chaos run: 60 uploads through the trigger path with injected S3 faults, the
platform's retries, the on-failure queue and a redrive (`make chaos` runs 500)."""

from __future__ import annotations

import contextlib
import io

import pytest
from PIL import Image

from classifier_devtools.chaos.run import run
from classifier_devtools.chaos.uploads import upload_set

pytestmark = pytest.mark.slow
UPLOADS, SEED = 60, 14


def undecodable(uploads: dict[str, bytes]) -> int:
    """Uploads Pillow cannot read, judged apart from the service: each must get an error result."""
    count = 0
    for data in uploads.values():
        try:
            Image.open(io.BytesIO(data)).load()
        except OSError:
            count += 1
    return count


def test_nothing_is_lost_or_duplicated_under_faults(moto_server):
    with contextlib.redirect_stdout(io.StringIO()):
        report = run(
            UPLOADS,
            endpoint=moto_server,
            throttle_rate=0.15,
            error_rate=0.45,
            repeat_rate=0.1,
            seed=SEED,
        )
    print("\n".join(report.lines()))
    assert report.uploads == UPLOADS and report.deliveries > UPLOADS
    assert report.faults and sum(report.faults.values()) > UPLOADS
    assert report.invocations > report.deliveries
    assert report.dlq_before_redrive == report.dead_lettered > 0
    assert report.covered
    assert report.results_after_trigger + report.uploads_only_in_dlq == report.uploads
    # A repeat delivery may also fail, or succeed after the first was dead-lettered.
    assert report.dlq_before_redrive >= report.uploads_only_in_dlq + report.stale_dead_letters
    assert report.dlq_after_redrive == 0 and report.redrive_replays >= report.dlq_before_redrive
    expected_errors = undecodable(upload_set(UPLOADS, SEED))
    assert expected_errors > 0
    assert report.results == UPLOADS and report.error_results == expected_errors
    assert report.current_skips >= report.deliveries - report.uploads
    assert report.lost == 0 and report.duplicated == 0 and report.rewrites == 0
    assert report.ok

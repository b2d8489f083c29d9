"""5,000 mixed good and bad requests through one warm handler in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.factories import ROOT

pytestmark = pytest.mark.slow


def test_rss_does_not_grow_on_the_error_paths():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "soak.py"), "--requests", "5000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(result.stdout.splitlines()[-1])
    print(f"\nsoak: {report}")
    assert report["requests"] == 5000
    assert all(int(status) < 500 for status in report["statuses"])
    assert {"200", "400"} <= set(report["statuses"])
    assert report["growth_mb"] <= 10

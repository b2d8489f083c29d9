"""One `sls offline` per test session, shared by the CLI, TF Serving client and browser tests."""

from __future__ import annotations

import pytest

from tests.support.serverless_cli import offline_server


@pytest.fixture(scope="session")
def offline(tmp_path_factory):
    """The base URL and process of a running `sls offline`, stopped after the session."""
    log_path = tmp_path_factory.mktemp("offline") / "offline.log"
    try:
        with offline_server(log_path) as started:
            yield started
    except RuntimeError as exc:
        pytest.fail(str(exc))

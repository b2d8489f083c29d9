"""Shared by the integration tier: one `sls offline` per session, and `sls package` once per
configuration per session (packaging takes a minute or more)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.serverless_cli import offline_server, sls


@pytest.fixture(scope="session")
def offline(tmp_path_factory):
    """The base URL and process of a running `sls offline`, stopped after the session."""
    log_path = tmp_path_factory.mktemp("offline") / "offline.log"
    try:
        with offline_server(log_path) as started:
            yield started
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Callable[..., Path]:
    """packaged("uploadsQueue=true", ...): the directory `sls package` wrote for those
    parameters (the zip and cloudformation-template-update-stack.json), built on first use."""
    built: dict[tuple[str, ...], Path] = {}

    def get(*params: str) -> Path:
        key = tuple(sorted(params))
        if key not in built:
            target = tmp_path_factory.mktemp("package")
            result = sls(
                "package", "--package", str(target), *(f"--param={p}" for p in key), timeout=900
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            built[key] = target
        return built[key]

    return get

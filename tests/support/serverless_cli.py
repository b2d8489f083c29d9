"""Runs the real Serverless Framework CLI (osls) from node_modules, with the venv's Python."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from classifier_devtools.demo_show import invoke_result
from tests.support.factories import ROOT

SLS = ROOT / "node_modules" / ".bin" / "sls"
RUNTIME = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This interpreter as the function's runtime, its directory first on PATH: `invoke local`
    runs the `python3.X` it names from there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHON_RUNTIME"] = RUNTIME
    env["SLS_TELEMETRY_DISABLED"] = "1"
    env["SLS_NOTIFICATIONS_MODE"] = "off"
    env.update(extra or {})
    return env


def sls(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SLS), *args],
        cwd=ROOT,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def invoke_local(function: str, event_path: Path, env: dict[str, str] | None = None) -> Any:
    """The handler's return value, parsed from the CLI's output (logs come before it)."""
    result = sls("invoke", "local", "-f", function, "-p", str(event_path), env=env, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return invoke_result(result.stdout)

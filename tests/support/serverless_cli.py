"""Runs the real Serverless Framework CLI (osls) from node_modules, with the venv's Python."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_process_group(process: subprocess.Popen, grace: float = 20) -> bool:
    """SIGINT, as Ctrl-C would; True if every process of the group exited within the grace."""
    os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()
        if not group_alive(process.pid):
            return True
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def offline_server(log_path: Path, timeout: float = 90) -> Iterator[tuple[str, subprocess.Popen]]:
    """`sls offline` on free ports, waited on until GET /model answers, then stopped with SIGINT.

    Yields the base URL and the process; raises RuntimeError with the log's tail if it never
    answers.
    """
    http_port, lambda_port = free_port(), free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(SLS),
                "offline",
                "--httpPort",
                str(http_port),
                "--lambdaPort",
                str(lambda_port),
                "--host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=cli_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{http_port}"
        try:
            deadline = time.monotonic() + timeout
            while not _answers(f"{base}/model"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sls offline did not start: {log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield base, process
        finally:
            if process.poll() is None or group_alive(process.pid):
                stop_process_group(process)

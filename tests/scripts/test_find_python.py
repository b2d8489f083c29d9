"""scripts/find_python.sh picks the interpreter; only 3.11 exists here, so fakes stand in."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.factories import ROOT

SCRIPT = ROOT / "scripts" / "find_python.sh"


def fake_pythons(folder, versions):
    """Executables that answer the version probe as the named Python would."""
    for name, version in versions.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\necho {version}\n")
        path.chmod(0o755)


def find(folder, python=None):
    env = {"PATH": str(folder)}
    if python is not None:
        env["PYTHON"] = python
    return subprocess.run(
        ["/bin/sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    ("available", "chosen"),
    [
        ({"python3.13": "3.13", "python3.12": "3.12", "python3.11": "3.11"}, "python3.13"),
        ({"python3.12": "3.12", "python3.11": "3.11", "python3": "3.12"}, "python3.12"),
        ({"python3.11": "3.11"}, "python3.11"),
        ({"python3": "3.12"}, "python3"),
        ({"python3.13": "3.10", "python3.11": "3.11"}, "python3.11"),
    ],
)
def test_the_first_supported_interpreter_wins(tmp_path, available, chosen):
    fake_pythons(tmp_path, available)
    result = find(tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == chosen


def test_an_explicit_python_is_preferred(tmp_path):
    fake_pythons(tmp_path, {"python3.13": "3.13", "mine": "3.12"})
    result = find(tmp_path, python=str(tmp_path / "mine"))
    assert result.returncode == 0 and result.stdout.strip() == str(tmp_path / "mine")


def test_an_unsupported_explicit_python_is_refused_in_one_line(tmp_path):
    fake_pythons(tmp_path, {"python3.13": "3.13", "old": "3.9"})
    result = find(tmp_path, python=str(tmp_path / "old"))
    assert result.returncode == 1
    assert result.stdout.count("\n") == 1 and "install one of those" in result.stdout


@pytest.mark.parametrize("available", [{}, {"python3": "3.10", "python3.14": "3.14"}])
def test_no_supported_interpreter_says_what_to_install(tmp_path, available):
    fake_pythons(tmp_path, available)
    result = find(tmp_path)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "No supported Python found: install Python 3.11, 3.12 or 3.13 "
        "(or set PYTHON=/path/to/python3.x)."
    )

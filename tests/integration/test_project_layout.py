"""The project's shape: one set of pins, one import-path shim, dependencies towards serving."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata

import pytest

from tests.support.factories import ROOT

REQUIREMENTS = ["requirements.txt", "requirements-train.txt", "requirements-dev.txt"]
PACKAGES = [
    "image_classifier",
    "classifier_training",
    "classifier_devtools",
    "classifier_bench",
    "classifier_ops",
]


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    found = [re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[.*\])?==(\S+)", line) for line in lines]
    return {m.group(1).lower(): m.group(2) for m in found if m}


def test_pyproject_reads_its_dependencies_from_the_requirements_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert set(project["project"]["dynamic"]) == {"dependencies", "optional-dependencies"}
    dynamic = project["tool"]["setuptools"]["dynamic"]
    assert dynamic["dependencies"] == {"file": ["requirements.txt"]}
    assert dynamic["optional-dependencies"] == {
        "train": {"file": ["requirements-train.txt"]},
        "dev": {"file": ["requirements-dev.txt"]},
    }


@pytest.mark.parametrize("name", REQUIREMENTS)
def test_every_requirement_is_pinned_once_and_installed_at_its_pin(name):
    lines = [
        line
        for line in (ROOT / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line for line in lines), "unpinned requirement"
    for package, version in pins(name).items():
        assert metadata.version(package) == version, package
    others = [pins(other) for other in REQUIREMENTS if other != name]
    assert not any(set(pins(name)) & set(other) for other in others), "pinned twice"


def python_files():
    for folder in ("src", "tools", "tests", "scripts"):
        yield from (ROOT / folder).rglob("*.py")


def test_only_the_lambda_root_touches_sys_path():
    pattern = re.compile(r"sys\.path\s*(\[|\.insert|\.append|=)")
    offenders = [p for p in python_files() if pattern.search(p.read_text())]
    assert offenders == []
    assert pattern.search((ROOT / "handler.py").read_text())


def test_no_import_order_suppressions():
    marker = "noqa" + ": E402"  # spelt apart, so that grep finds no such comment here either
    assert [p for p in python_files() if marker in p.read_text()] == []


def imported_packages(package: str) -> set[str]:
    found = set()
    home = ROOT / ("src" if package == "image_classifier" else "tools")
    for path in (home / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_serving_imports_none_of_the_other_packages_nor_tensorflow():
    imported = imported_packages("image_classifier")
    assert not imported & {*PACKAGES[1:], "tensorflow", "keras", "tf2onnx", "sklearn", "tests"}


@pytest.mark.parametrize("package", PACKAGES[1:])
def test_no_package_imports_the_tests(package):
    assert "tests" not in imported_packages(package)

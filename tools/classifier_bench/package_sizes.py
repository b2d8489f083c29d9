"""Deploy package sizes: this project's from `sls package`, the peers' from pip-installing them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from classifier_devtools.paths import ROOT


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def package_sizes(workdir: Path) -> dict[str, dict[str, Any]]:
    """This project's from `sls package`; the peers' from pip-installing their runtime deps."""
    sizes: dict[str, dict[str, Any]] = {}
    target = workdir / "sls-package"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "sls"), "package", "--package", str(target)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    archive = target / "image-classifier.zip"
    with zipfile.ZipFile(archive) as zipped:
        unzipped = sum(info.file_size for info in zipped.infolist())
    sizes["onnx"] = {
        "unzipped_mb": unzipped / 1e6,
        "zipped_mb": archive.stat().st_size / 1e6,
        "how": "sls package",
    }
    peers = {
        "keras": ["tensorflow-cpu==2.21.0", "keras==3.15.1", "numpy==2.4.6", "pillow==13.0.0"],
        "litert": ["ai-edge-litert==2.3.0", "numpy==2.4.6", "pillow==13.0.0"],
    }
    for impl, requirements in peers.items():
        directory = workdir / f"pip-{impl}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(directory),
                *requirements,
            ],
            check=True,
            capture_output=True,
        )
        sizes[impl] = {
            "unzipped_mb": dir_size(directory) / 1e6,
            "zipped_mb": None,
            "how": "pip install --target " + " ".join(requirements),
        }
        shutil.rmtree(directory)
    return sizes

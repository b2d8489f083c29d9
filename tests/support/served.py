"""Classify one image with the real handler in a fresh interpreter, serving a given model folder
(MODEL_DIR is read once, at import, as on Lambda)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.factories import ROOT

SCRIPT = (
    "import json, sys, handler; print(json.dumps(handler.classify(json.loads(sys.stdin.read()))))"
)


def classify_with_handler(model_dir: Path, image: bytes, **fields: Any) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps({"image": base64.b64encode(image).decode(), **fields}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MODEL_DIR": str(model_dir)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    response: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return response

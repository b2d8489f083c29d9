"""Where the checkout's own files sit, and handler.py loaded from there (never deployed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "model"
EVENTS_DIR = ROOT / "tests" / "events"


def load_handler() -> ModuleType:
    """handler.py, the Lambda root, imported once as `handler`: it is a file, not a package."""
    if "handler" in sys.modules:
        return sys.modules["handler"]
    spec = importlib.util.spec_from_file_location("handler", ROOT / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["handler"] = module
    spec.loader.exec_module(module)
    return module

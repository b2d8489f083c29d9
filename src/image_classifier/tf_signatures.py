"""What TF Serving's status and metadata routes say about the served model, built from its card.

TF Serving numbers versions with integers (directories 1, 2, 3, ...) and serves the highest; the
card carries a dotted version such as "1.0.0". `version_number` maps MAJOR.MINOR.PATCH to
MAJOR * 1_000_000 + MINOR * 1_000 + PATCH, so 1.0.0 is 1000000 and 1.2.3 is 1002003: a newer
card always gets a higher number, as TF Serving's "latest" expects.
"""

from __future__ import annotations

import re
from typing import Any

from image_classifier.model_card import ModelCard

INPUT_NAME = "image_bytes"  # TF Serving treats tensors named *_bytes as base64 binary
PROBABILITIES = "probabilities"
DEFAULT_SIGNATURE = "serving_default"
TOP_K_SIGNATURE = "top_k"
SIGNATURES = (DEFAULT_SIGNATURE, TOP_K_SIGNATURE)
_DOTTED = re.compile(r"v?(\d+)(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?(?:[-+].*)?")


def version_number(version: str) -> int:
    """The card's version as TF Serving's integer; 1 when it is not MAJOR[.MINOR[.PATCH]]."""
    match = _DOTTED.fullmatch(version.strip())
    if not match:
        return 1
    major, minor, patch = (int(part or 0) for part in match.groups())
    return major * 1_000_000 + minor * 1_000 + patch


def _tensor(name: str, dtype: str, *sizes: int) -> dict[str, Any]:
    dims = [{"size": str(size), "name": ""} for size in sizes]
    return {
        "dtype": dtype,
        "tensor_shape": {"dim": dims, "unknown_rank": False},
        "name": f"{name}:0",
    }


def signature_defs(n_labels: int, top_k: int) -> dict[str, Any]:
    """serving_default gives every label's probability; top_k the best k labels and scores."""
    image = {INPUT_NAME: _tensor(INPUT_NAME, "DT_STRING", -1)}
    return {
        DEFAULT_SIGNATURE: {
            "inputs": image,
            "outputs": {PROBABILITIES: _tensor(PROBABILITIES, "DT_FLOAT", -1, n_labels)},
            "method_name": "tensorflow/serving/predict",
        },
        TOP_K_SIGNATURE: {
            "inputs": image,
            "outputs": {
                "labels": _tensor("labels", "DT_STRING", -1, top_k),
                "scores": _tensor("scores", "DT_FLOAT", -1, top_k),
            },
            "method_name": "tensorflow/serving/predict",
        },
    }


def model_status(version: int) -> dict[str, Any]:
    """GetModelStatusResponse as JSON: int64 versions are strings there, as TF Serving sends."""
    return {
        "model_version_status": [
            {
                "version": str(version),
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }


def model_metadata(card: ModelCard, version: int, top_k: int) -> dict[str, Any]:
    """GetModelMetadataResponse as JSON, plus the labels that probabilities are ordered by."""
    return {
        "model_spec": {"name": card.name, "signature_name": "", "version": str(version)},
        "metadata": {
            "signature_def": {"signature_def": signature_defs(len(card.labels), top_k)},
            "labels": card.labels,
        },
    }

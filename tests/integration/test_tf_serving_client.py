"""TF Serving's own example REST client flow, unchanged but for the URL, against `sls offline`.

TF Serving's resnet_client.py base64-encodes a JPEG, posts '{"instances" : [{"b64": "%s"}]}'
with `requests.post(SERVER_URL, data=predict_request)` (so no Content-Type header), and
prints np.argmax(response.json()['predictions'][0]). The event fixtures run through the real
`sls invoke local` too.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
import requests
from PIL import Image

from tests.support.factories import CARD, EVENTS, digit_png, encode, label
from tests.support.serverless_cli import invoke_local

pytestmark = pytest.mark.slow

NAME = CARD["name"]


def digit_jpeg(digit: str) -> bytes:
    """A digit as a camera would send it: JPEG, larger than the model's input."""
    with Image.open(io.BytesIO(digit_png(digit))) as image:
        return encode(image.resize((64, 64), Image.Resampling.NEAREST), "JPEG", quality=95)


def test_resnet_client_flow(offline, handler_module):
    base, _ = offline
    server_url = f"{base}/v1/models/{NAME}:predict"
    jpeg = digit_jpeg("7")
    jpeg_bytes = base64.b64encode(jpeg).decode("utf-8")
    predict_request = '{"instances" : [{"b64": "%s"}]}' % jpeg_bytes  # noqa: UP031 as TF's client
    response = requests.post(server_url, data=predict_request, timeout=30)
    response.raise_for_status()
    assert "Content-Type" not in response.request.headers
    prediction = response.json()["predictions"][0]
    expected = handler_module.classify({"image": base64.b64encode(jpeg).decode()})
    assert np.argmax(prediction) == CARD["labels"].index(expected["predictions"][0]["label"])
    assert len(prediction) == len(CARD["labels"])


def test_status_metadata_and_errors_over_http(offline):
    base, _ = offline
    status = requests.get(f"{base}/v1/models/{NAME}", timeout=30)
    assert status.status_code == 200
    (version,) = status.json()["model_version_status"]
    assert version["state"] == "AVAILABLE"
    metadata = requests.get(
        f"{base}/v1/models/{NAME}/versions/{version['version']}/metadata", timeout=30
    )
    assert metadata.json()["metadata"]["labels"] == CARD["labels"]
    missing = requests.post(f"{base}/v1/models/other:predict", data="{}", timeout=30)
    assert missing.status_code == 404 and set(missing.json()) == {"error"}
    broken = requests.post(f"{base}/v1/models/{NAME}:predict", data="{broken", timeout=30)
    assert broken.status_code == 400 and isinstance(broken.json()["error"], str)


def test_classify_over_http(offline):
    base, _ = offline
    image = base64.b64encode(digit_png("2")).decode()
    response = requests.post(
        f"{base}/v1/models/{NAME}:classify",
        data='{"examples": [{"image": {"b64": "%s"}}]}' % image,  # noqa: UP031
        timeout=30,
    )
    assert response.status_code == 200
    pairs = response.json()["results"][0]
    assert max(pairs, key=lambda pair: pair[1])[0] == label(2)


def test_invoke_local_tf_serving_fixtures():
    response = invoke_local("classify", EVENTS / "tf_serving_predict.json")
    assert response["statusCode"] == 200
    prediction = json.loads(response["body"])["predictions"][0]
    assert CARD["labels"][int(np.argmax(prediction))] == label(7)
    status = invoke_local("classify", EVENTS / "tf_serving_status.json")
    assert status["statusCode"] == 200 and "model_version_status" in status["body"]


def test_invoke_local_page_fixture():
    response = invoke_local("classify", EVENTS / "page.json")
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert response["body"].lower().startswith("<!doctype html>")

"""Uploads to a moto S3 server over HTTP, the events S3 produces for them, and the handler."""

from __future__ import annotations

import json

import boto3
import pytest

from classifier_devtools.chaos.moto_stage import drain, notify_queue
from image_classifier import s3_trigger
from tests.support.factories import binary_event, digits, encode, png_declaring, read_response

pytestmark = pytest.mark.slow

BUCKET = "e2e-uploads"
SUFFIXES = (".png", ".jpg", ".webp", ".bmp", ".gif", ".tiff")


def good_uploads() -> dict[str, bytes]:
    """45 digits in six formats, some under keys that need URL-encoding."""
    import io

    from PIL import Image

    images, labels = digits()
    uploads = {}
    for i in range(45):
        suffix = SUFFIXES[i % len(SUFFIXES)]
        image = Image.open(io.BytesIO(images[i * 7]))
        if suffix == ".jpg":
            data = encode(image.resize((64, 64), Image.Resampling.NEAREST), "JPEG", quality=95)
        else:
            data = encode(
                image,
                {".tiff": "TIFF", ".webp": "WEBP"}.get(suffix, suffix[1:].upper()),
                **({"lossless": True} if suffix == ".webp" else {}),
            )
        name = f"digit {i:02d}+{labels[i * 7]}" if i % 5 == 0 else f"dígito-{i:02d}"
        uploads[f"uploads/{name}{suffix}"] = data
    return uploads


HOSTILE = {
    "uploads/corrupt.png": b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 40,
    "uploads/text.jpg": b"<html>not an image</html>",
    "uploads/truncated.jpg": None,
    "uploads/bomb.png": png_declaring(100_000, 100_000),
    "uploads/empty.png": b"",
}


@pytest.fixture
def s3_setup(aws_env, moto_server):
    s3 = boto3.client("s3")
    sqs = boto3.client("sqs", endpoint_url=moto_server)
    s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(QueueName="uploads-events")["QueueUrl"]
    notify_queue(s3, sqs, BUCKET, queue_url, SUFFIXES)
    s3_trigger.s3_client.cache_clear()
    yield s3, sqs, queue_url
    s3_trigger.s3_client.cache_clear()


def test_fifty_uploads_give_fifty_results_through_real_s3_events(
    s3_setup, handler_module, classify
):
    s3, sqs, queue_url = s3_setup
    good = good_uploads()
    hostile = dict(
        HOSTILE,
        **{"uploads/truncated.jpg": next(v for k, v in good.items() if k.endswith(".jpg"))[:300]},
    )
    for key, data in {**good, **hostile}.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    events = drain(sqs, queue_url, expected=50, timeout=30.0)
    summaries = [handler_module.classify_upload(event, None) for event in events]
    assert sum(s["classified"] for s in summaries) == 45
    assert sum(s["failed"] for s in summaries) == 5
    assert sum(s["skipped"] + s["transient"] for s in summaries) == 0

    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for o in page.get("Contents", [])
    ]
    results = sorted(k for k in keys if k.startswith("results/"))
    assert len(results) == 50
    assert sorted(k for k in keys if not k.startswith("results/")) == sorted({**good, **hostile})

    for key, data in good.items():
        document = json.loads(
            s3.get_object(Bucket=BUCKET, Key=f"results/{key}.json")["Body"].read()
        )
        assert document["source"]["key"] == key
        _, http, _ = read_response(classify(binary_event(data)))
        assert document["predictions"] == http["predictions"], key
    codes = {
        key: json.loads(s3.get_object(Bucket=BUCKET, Key=f"results/{key}.json")["Body"].read())[
            "error"
        ]["code"]
        for key in hostile
    }
    assert codes == {
        "uploads/corrupt.png": "invalid_image",
        "uploads/text.jpg": "invalid_image",
        "uploads/truncated.jpg": "invalid_image",
        "uploads/bomb.png": "image_too_many_pixels",
        "uploads/empty.png": "empty_image",
    }

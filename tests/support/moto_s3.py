"""moto's in-process S3 with one uploads bucket, for tests of the S3 paths."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws

BUCKET = "uploads-bucket"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextlib.contextmanager
def mocked_s3(bucket: str = BUCKET) -> Iterator[Any]:
    """A client of moto's S3 holding an empty bucket; never reaches AWS."""
    with mock.patch.dict(os.environ, CREDENTIALS), mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=bucket)
        yield client


def read_result(client: Any, key: str, bucket: str = BUCKET, prefix: str = "results/") -> Any:
    return json.loads(client.get_object(Bucket=bucket, Key=f"{prefix}{key}.json")["Body"].read())


def result_keys(client: Any, bucket: str = BUCKET, prefix: str = "results/") -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def count_calls(client: Any, operation: str) -> list[str]:
    """The keys of every `operation` call the client makes from now on."""
    calls: list[str] = []
    client.meta.events.register(
        f"before-parameter-build.s3.{operation}", lambda params, **_: calls.append(params["Key"])
    )
    return calls

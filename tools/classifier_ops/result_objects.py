"""The S3 trigger's result objects, read back from S3 (under a prefix) or from a local folder.

Both give the same list of documents, so the drift report does not care where they came from.
An object that is not a result document is counted, not fatal: one bad object must not hide
the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from image_classifier.result_document import MalformedResult, ResultDocument


@dataclass
class ResultSet:
    documents: list[ResultDocument] = field(default_factory=list)
    unreadable: int = 0
    origin: str = ""

    def add(self, raw: bytes | str) -> None:
        try:
            self.documents.append(ResultDocument.from_bytes(raw))
        except MalformedResult:
            self.unreadable += 1


def read_folder(folder: Path) -> ResultSet:
    """Every *.json file under the folder, in path order."""
    results = ResultSet(origin=str(folder))
    for path in sorted(folder.rglob("*.json")):
        results.add(path.read_bytes())
    return results


def read_s3(bucket: str, prefix: str, client: Any | None = None) -> ResultSet:
    """Every *.json object under s3://bucket/prefix (boto3 honours AWS_ENDPOINT_URL_S3)."""
    if client is None:
        import boto3

        client = boto3.client("s3")
    results = ResultSet(origin=f"s3://{bucket}/{prefix}")
    for key in _keys(client, bucket, prefix):
        results.add(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return results


def _keys(client: Any, bucket: str, prefix: str) -> Iterable[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for item in page.get("Contents", []):
            if item["Key"].endswith(".json"):
                yield item["Key"]

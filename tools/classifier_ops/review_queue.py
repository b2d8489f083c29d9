"""Pull the uploads the deployed function was unsure of into a folder a person sorts.

scripts/review_queue.py --bucket B --output review/ [--below 0.6] [--uploads-bucket U]

Every result document under the results prefix is read with `image_classifier.result_document`
(malformed ones are counted, not fatal). An upload is queued when its result says `uncertain`,
or, with --below, when its top score is under that threshold. Its image lands in
`review/<predicted label>/`, and `review/queue.csv` lists key, label, score and file. A person
moves each file into the right class folder (inside review/, or a folder named like the
training classes), and the next run trains on it: train.py --extra-data-dir review/.

Keys and labels come from the bucket, so they are untrusted: each becomes one file name of
letters, digits, `._-` and a hash of the whole key, and the file is created exclusively, never
through a symbolic link, and only when its resolved path is inside the output folder. Only
objects in the uploads bucket (default: the results bucket) are fetched, up to --max-bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from image_classifier.result_document import MalformedResult, ResultDocument
from image_classifier.s3_results import IMAGE_SUFFIXES

CSV_FILE = "queue.csv"
CSV_HEADER = ("key", "label", "score", "file")
MAX_BYTES = 20 * 1024 * 1024
NAME_LIMIT = 80
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Queued:
    key: str
    label: str
    score: float
    file: str  # relative to the review folder, `/`-separated


@dataclass
class ReviewReport:
    results: int = 0
    queued: list[Queued] = field(default_factory=list)
    already_there: int = 0
    malformed: int = 0
    errors: int = 0  # results that are an error, not a prediction
    other_bucket: int = 0
    missing: int = 0
    too_large: int = 0


def safe_component(text: str) -> str:
    """One path component from untrusted text: no separators, no leading dots, never empty."""
    cleaned = UNSAFE.sub("_", text).strip("._")[:NAME_LIMIT]
    return cleaned or "_"


def file_name(key: str) -> str:
    """A file name for an object key: its last part made safe, a hash of the whole key (two
    keys never share a file) and the image suffix if it has one."""
    base = key.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    extension = f".{suffix.lower()}" if dot and f".{suffix.lower()}" in IMAGE_SUFFIXES else ""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{safe_component(stem if dot else base)}-{digest}{extension}"


def destination(root: Path, label: str, key: str) -> Path:
    """review/<label>/<name>; refused (ValueError) unless it resolves inside `root`."""
    path = root / safe_component(label) / file_name(key)
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError("outside the review folder")
    return path


def wanted(document: ResultDocument, below: float | None) -> bool:
    top = document.top
    if top is None:
        return False
    return document.uncertain or (below is not None and top.score < below)


def write_new(path: Path, data: bytes) -> bool:
    """Create the file exclusively, not through a symbolic link; False if it exists already."""
    path.parent.mkdir(exist_ok=True)
    if path.parent.is_symlink():
        raise ValueError("the label folder is a symbolic link")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


def result_documents(s3: Any, bucket: str, prefix: str) -> Iterator[bytes | None]:
    """Each result object's bytes, in listing order."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".json"):
                yield s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()


def pull(
    s3: Any,
    bucket: str,
    prefix: str,
    output: Path,
    below: float | None = None,
    uploads_bucket: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> ReviewReport:
    from botocore.exceptions import ClientError

    output.mkdir(parents=True, exist_ok=True)
    report = ReviewReport()
    allowed = uploads_bucket or bucket
    for raw in result_documents(s3, bucket, prefix):
        report.results += 1
        try:
            document = ResultDocument.from_bytes(raw or b"")
        except MalformedResult:
            report.malformed += 1
            continue
        if document.top is None:
            report.errors += 1
            continue
        if not wanted(document, below):
            continue
        source = document.source
        if source.bucket != allowed:
            report.other_bucket += 1
            continue
        try:
            path = destination(output, document.top.label, source.key)
        except ValueError:
            report.malformed += 1
            continue
        queued = Queued(
            source.key,
            document.top.label,
            document.top.score,
            path.relative_to(output).as_posix(),
        )
        if path.exists():
            report.already_there += 1
            report.queued.append(queued)
            continue
        request = {"Bucket": source.bucket, "Key": source.key}
        if source.version_id:
            request["VersionId"] = source.version_id
        try:
            response = s3.get_object(**request)
        except ClientError:
            report.missing += 1
            continue
        if int(response.get("ContentLength", 0)) > max_bytes:
            report.too_large += 1
            continue
        data = response["Body"].read(max_bytes + 1)
        if len(data) > max_bytes:
            report.too_large += 1
            continue
        try:
            if not write_new(path, data):
                report.already_there += 1
        except ValueError:
            report.malformed += 1
            continue
        report.queued.append(queued)
    write_csv(output / CSV_FILE, report.queued)
    return report


def write_csv(path: Path, queued: list[Queued]) -> None:
    with open(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for item in queued:
            writer.writerow((item.key, item.label, f"{item.score:.4f}", item.file))


def main(argv: list[str] | None = None, s3: Any | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bucket", required=True, help="the bucket holding the results")
    parser.add_argument("--results-prefix", default="results/")
    parser.add_argument("--uploads-bucket", default=None, help="default: --bucket")
    parser.add_argument("--output", type=Path, default=Path("review"))
    parser.add_argument(
        "--below", type=float, default=None, help="also queue top scores under this (0-1)"
    )
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    if args.below is not None and not 0 < args.below <= 1:
        parser.error("--below must be in (0, 1]")
    if args.max_bytes < 1:
        parser.error("--max-bytes must be positive")
    if s3 is None:
        import boto3

        s3 = boto3.client("s3", region_name=args.region)
    report = pull(
        s3,
        args.bucket,
        args.results_prefix,
        args.output,
        args.below,
        args.uploads_bucket,
        args.max_bytes,
    )
    print(
        f"{report.results} results: {len(report.queued)} queued in {args.output} "
        f"({report.already_there} already there); skipped {report.malformed} malformed, "
        f"{report.errors} errors, {report.other_bucket} in another bucket, "
        f"{report.missing} missing, {report.too_large} too large"
    )
    print(f"list: {args.output / CSV_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

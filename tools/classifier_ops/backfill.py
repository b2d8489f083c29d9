"""Classify the images already in a bucket with an S3 Batch Operations job (a backfill).

scripts/backfill.py --bucket B --prefix uploads/ --dry-run
scripts/backfill.py --bucket B --prefix uploads/ --function-arn ARN --role-arn ARN

It lists the image keys under the prefix, writes the CSV manifest S3 Batch Operations reads
(bucket,key per line, keys URL-encoded as the format requires), and, unless --dry-run, uploads
the manifest under backfillPrefix and creates a job that invokes classifyBatchJob once per key.
--dry-run writes the manifest locally and prints the job request instead; listing the bucket
still needs s3:ListBucket. Objects whose result is current are skipped by the function, so a
repeated backfill costs a HEAD request per object; --force classifies them again.

The job's role (the stack's BatchJobRole output) is assumed by batchoperations.s3.amazonaws.com
and may only: lambda:InvokeFunction on classifyBatchJob, s3:GetObject and s3:GetObjectVersion on
the manifest, and s3:PutObject for the completion report, both under backfillPrefix. Creating
the job needs s3:CreateJob and iam:PassRole on that role.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from image_classifier.s3_results import IMAGE_SUFFIXES

MANIFEST_FORMAT = "S3BatchOperations_CSV_20180820"
REPORT_FORMAT = "Report_CSV_20180820"


def image_keys(s3: Any, bucket: str, prefix: str, results_prefix: str) -> Iterator[str]:
    """Every key under the prefix with an image suffix, results excluded, in listing order."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.startswith(results_prefix) or key.endswith("/"):
                continue
            if Path(key).suffix.lower() in IMAGE_SUFFIXES:
                yield key


def manifest_csv(bucket: str, keys: list[str]) -> bytes:
    """Batch Operations' CSV manifest: no header, `bucket,key`, keys URL-encoded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for key in keys:
        writer.writerow([bucket, quote(key, safe="/")])
    return buffer.getvalue().encode("utf-8")


def job_request(
    *,
    account_id: str,
    bucket: str,
    manifest_key: str,
    manifest_etag: str,
    function_arn: str,
    role_arn: str,
    report_prefix: str,
    results_prefix: str,
    force: bool,
) -> dict[str, Any]:
    """The s3control CreateJob request: LambdaInvoke in schema 2.0, a report of every task."""
    return {
        "AccountId": account_id,
        "ConfirmationRequired": False,
        "Operation": {
            "LambdaInvoke": {
                "FunctionArn": function_arn,
                "InvocationSchemaVersion": "2.0",
                "UserArguments": {"resultsPrefix": results_prefix, "force": str(force).lower()},
            }
        },
        "Report": {
            "Bucket": f"arn:aws:s3:::{bucket}",
            "Prefix": report_prefix.rstrip("/"),
            "Format": REPORT_FORMAT,
            "Enabled": True,
            "ReportScope": "AllTasks",
        },
        "Manifest": {
            "Spec": {"Format": MANIFEST_FORMAT, "Fields": ["Bucket", "Key"]},
            "Location": {
                "ObjectArn": f"arn:aws:s3:::{bucket}/{manifest_key}",
                "ETag": manifest_etag,
            },
        },
        "Priority": 10,
        "RoleArn": role_arn,
        "ClientRequestToken": str(uuid.uuid4()),
        "Description": f"classify s3://{bucket}/{manifest_key}",
    }


def main(argv: list[str] | None = None, clients: dict[str, Any] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="uploads/", help="the keys to classify")
    parser.add_argument("--results-prefix", default="results/")
    parser.add_argument("--backfill-prefix", default="backfill/", help="manifests and reports")
    parser.add_argument("--manifest-out", type=Path, default=None, help="also write it here")
    parser.add_argument("--function-arn", help="the stack's classifyBatchJob ARN")
    parser.add_argument("--role-arn", help="the stack's BatchJobRoleArn output")
    parser.add_argument("--account-id", help="default: the caller's account")
    parser.add_argument("--force", action="store_true", help="classify current results again")
    parser.add_argument("--dry-run", action="store_true", help="no upload, no job: print it")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    if not args.dry_run and not (args.function_arn and args.role_arn):
        parser.error("--function-arn and --role-arn are needed unless --dry-run")

    clients = clients or {}
    if "s3" not in clients:
        import boto3

        clients["s3"] = boto3.client("s3", region_name=args.region)
    s3 = clients["s3"]
    keys = list(image_keys(s3, args.bucket, args.prefix, args.results_prefix))
    manifest = manifest_csv(args.bucket, keys)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    manifest_key = f"{args.backfill_prefix}manifests/{stamp}.csv"
    manifest_out = args.manifest_out or Path(f"backfill-{stamp}.csv")
    manifest_out.write_bytes(manifest)
    print(f"{len(keys)} image keys under s3://{args.bucket}/{args.prefix} -> {manifest_out}")

    request = {
        "account_id": args.account_id or "<your account id>",
        "bucket": args.bucket,
        "manifest_key": manifest_key,
        "manifest_etag": hashlib.md5(manifest, usedforsecurity=False).hexdigest(),
        "function_arn": args.function_arn or "<classifyBatchJob ARN>",
        "role_arn": args.role_arn or "<BatchJobRoleArn>",
        "report_prefix": f"{args.backfill_prefix}reports",
        "results_prefix": args.results_prefix,
        "force": args.force,
    }
    if args.dry_run:
        print(json.dumps(job_request(**request), indent=2))
        return 0
    if not keys:
        print("nothing to classify: no job created")
        return 0
    put = s3.put_object(Bucket=args.bucket, Key=manifest_key, Body=manifest)
    request["manifest_etag"] = put["ETag"].strip('"')
    if "s3control" not in clients:
        import boto3

        clients["s3control"] = boto3.client("s3control", region_name=args.region)
    if not args.account_id:
        import boto3

        sts = clients.get("sts") or boto3.client("sts", region_name=args.region)
        request["account_id"] = sts.get_caller_identity()["Account"]
    job = clients["s3control"].create_job(**job_request(**request))
    print(f"job {job['JobId']}: report under s3://{args.bucket}/{request['report_prefix']}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

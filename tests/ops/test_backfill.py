"""Backfill: the manifest from a moto bucket, the job request, and a job run end to end."""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.stub import ANY, Stubber

from classifier_ops.backfill import image_keys, job_request, main, manifest_csv
from image_classifier.batch_operations import handle_batch_job
from tests.support.factories import digit_png, label
from tests.support.moto_s3 import BUCKET, mocked_s3, read_result

IMAGES = {
    "uploads/a b.png": "1",
    "uploads/c+d.JPG": "2",
    "uploads/100% e.png": "3",
    "uploads/deep/ü 数.webp": "4",
}
OTHERS = ["uploads/notes.txt", "uploads/folder/", "results/uploads/a b.png.json", "other/x.png"]


@pytest.fixture
def s3():
    with mocked_s3() as client:
        for key, digit in IMAGES.items():
            client.put_object(Bucket=BUCKET, Key=key, Body=digit_png(digit))
        for key in OTHERS:
            client.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        yield client


def test_only_image_keys_under_the_prefix_are_listed(s3):
    assert sorted(image_keys(s3, BUCKET, "uploads/", "results/")) == sorted(IMAGES)


def test_the_manifest_is_bucket_and_url_encoded_key_without_a_header(s3):
    manifest = manifest_csv(BUCKET, sorted(IMAGES)).decode()
    rows = list(csv.reader(io.StringIO(manifest)))
    assert all(bucket == BUCKET for bucket, _ in rows)
    assert sorted(unquote_plus(key) for _, key in rows) == sorted(IMAGES)
    assert "uploads/c%2Bd.JPG" in manifest and "uploads/a%20b.png" in manifest
    assert " " not in manifest.replace(BUCKET, "")


def test_dry_run_writes_the_manifest_and_prints_the_job_request(s3, tmp_path):
    out, manifest = io.StringIO(), tmp_path / "manifest.csv"
    with redirect_stdout(out):
        code = main(["--bucket", BUCKET, "--dry-run", "--manifest-out", str(manifest)], {"s3": s3})
    assert code == 0
    printed = out.getvalue()
    assert printed.startswith(f"4 image keys under s3://{BUCKET}/uploads/")
    request = json.loads(printed[printed.index("{") :])
    assert request["Operation"]["LambdaInvoke"]["InvocationSchemaVersion"] == "2.0"
    assert request["Operation"]["LambdaInvoke"]["UserArguments"] == {
        "resultsPrefix": "results/",
        "force": "false",
    }
    assert request["Manifest"]["Spec"] == {
        "Format": "S3BatchOperations_CSV_20180820",
        "Fields": ["Bucket", "Key"],
    }
    assert request["Manifest"]["Location"]["ObjectArn"].startswith(
        f"arn:aws:s3:::{BUCKET}/backfill/manifests/"
    )
    assert request["Report"]["Prefix"] == "backfill/reports"
    assert manifest.read_bytes() == manifest_csv(
        BUCKET, list(image_keys(s3, BUCKET, "uploads/", "results/"))
    )
    assert [k for k in list_keys(s3) if k.startswith("backfill/")] == []


def list_keys(s3):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_real_run_uploads_the_manifest_and_creates_the_job(s3, tmp_path):
    """moto has no S3 Batch Operations, so botocore's Stubber checks CreateJob against the real
    API model; the manifest goes to moto's S3 and its ETag must be the one the job names."""
    control = boto3.client("s3control", region_name="us-east-1")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:image-classifier-dev-classifyBatchJob"
    role = "arn:aws:iam::123456789012:role/image-classifier-dev-BatchJobRole-ABC"
    with Stubber(control) as stub:
        stub.add_response(
            "create_job",
            {"JobId": "job-1"},
            {
                "AccountId": "123456789012",
                "ConfirmationRequired": False,
                "Operation": ANY,
                "Report": ANY,
                "Manifest": ANY,
                "Priority": 10,
                "RoleArn": role,
                "ClientRequestToken": ANY,
                "Description": ANY,
            },
        )
        out = io.StringIO()
        argv = [
            "--bucket",
            BUCKET,
            "--function-arn",
            arn,
            "--role-arn",
            role,
            "--account-id",
            "123456789012",
            "--manifest-out",
            str(tmp_path / "m.csv"),
        ]
        with redirect_stdout(out):
            assert main(argv, {"s3": s3, "s3control": control}) == 0
        stub.assert_no_pending_responses()
    (manifest_key,) = [k for k in list_keys(s3) if k.startswith("backfill/manifests/")]
    assert (
        s3.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read()
        == (tmp_path / "m.csv").read_bytes()
    )
    assert "job job-1" in out.getvalue()


def test_a_job_over_the_manifest_classifies_every_listed_image(s3, classifier, handler_module):
    """What S3 Batch Operations does with the manifest: one schema 2.0 task per row."""
    keys = list(image_keys(s3, BUCKET, "uploads/", "results/"))
    rows = list(csv.reader(io.StringIO(manifest_csv(BUCKET, keys).decode())))
    request = job_request(
        account_id="1",
        bucket=BUCKET,
        manifest_key="m",
        manifest_etag="e",
        function_arn="f",
        role_arn="r",
        report_prefix="backfill/reports",
        results_prefix="results/",
        force=False,
    )
    event = {
        "invocationSchemaVersion": "2.0",
        "invocationId": "inv-1",
        "job": {
            "id": "job-1",
            "userArguments": request["Operation"]["LambdaInvoke"]["UserArguments"],
        },
        "tasks": [
            {"taskId": f"t{i}", "s3Bucket": bucket, "s3Key": key, "s3VersionId": None}
            for i, (bucket, key) in enumerate(rows)
        ],
    }
    settings = handler_module.SETTINGS
    response = handle_batch_job(event, classifier, settings, s3)
    assert [r["resultCode"] for r in response["results"]] == ["Succeeded"] * 4
    for key, digit in IMAGES.items():
        assert read_result(s3, key)["predictions"][0]["label"] == label(int(digit))
    again = handle_batch_job(event, classifier, settings, s3)
    assert all(r["resultString"].startswith("current") for r in again["results"])


def test_a_real_run_needs_the_function_and_role(s3, capsys):
    with pytest.raises(SystemExit):
        main(["--bucket", BUCKET], {"s3": s3})
    assert "--function-arn and --role-arn" in capsys.readouterr().err

"""The project as its users run it: sls invoke local, sls offline over HTTP, sls package."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

import boto3
import pytest

from tests.support.factories import (
    CARD,
    EVENTS,
    FIXTURE_DIGITS,
    ROOT,
    b64,
    digit_png,
    label,
    read_response,
)
from tests.support.serverless_cli import (
    RUNTIME,
    SLS,
    cli_env,
    free_port,
    group_alive,
    invoke_local,
    stop_process_group,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fixture", sorted(FIXTURE_DIGITS))
def test_invoke_local_classifies_every_http_fixture(fixture):
    response = invoke_local("classify", EVENTS / f"{fixture}.json")
    status, document, _ = read_response(response)
    assert status == 200
    assert document["predictions"][0]["label"] == label(FIXTURE_DIGITS[fixture])


def test_invoke_local_runs_the_s3_fixture_against_moto(moto_server):
    event = json.loads((EVENTS / "s3_put.json").read_text())
    bucket = event["Records"][0]["s3"]["bucket"]["name"]
    key = "uploads/my digit+4.png"
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=digit_png("4"))
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": moto_server,
    }
    summary = invoke_local("classifyUpload", EVENTS / "s3_put.json", env=env)
    assert summary == {
        "classified": 1,
        "failed": 0,
        "skipped": 0,
        "current": 0,
        "transient": 0,
        "unrecognised": 0,
    }
    result = json.loads(s3.get_object(Bucket=bucket, Key=f"results/{key}.json")["Body"].read())
    assert result["predictions"][0]["label"] == label(4)


def request(
    url: str, data: bytes | None = None, content_type: str | None = None, method: str | None = None
) -> tuple[int, dict]:
    headers = {"Content-Type": content_type} if content_type else {}
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if body else {}


def test_offline_json_base64(offline):
    base, _ = offline
    status, document = request(
        f"{base}/classify", json.dumps({"image": b64(digit_png("7"))}).encode(), "application/json"
    )
    assert status == 200 and document["predictions"][0]["label"] == label(7)


def test_offline_raw_binary_body(offline):
    base, _ = offline
    status, document = request(
        f"{base}/classify?top_k=2", digit_png("3"), "application/octet-stream"
    )
    assert status == 200 and document["predictions"][0]["label"] == label(3)
    assert len(document["predictions"]) == 2


def test_offline_raw_image_png_body_is_explained_not_misclassified(offline):
    """serverless-offline passes only octet-stream and multipart bodies as binary."""
    base, _ = offline
    status, document = request(f"{base}/classify", digit_png("3"), "image/png")
    assert status == 400 and document["error"]["code"] == "binary_body_mangled"


def test_offline_batch(offline):
    base, _ = offline
    images = [b64(digit_png(d)) for d in "0123"]
    status, document = request(
        f"{base}/classify", json.dumps({"images": images}).encode(), "application/json"
    )
    assert status == 200
    assert [r["predictions"][0]["label"] for r in document["results"]] == list("0123")


def test_offline_model_card(offline):
    base, _ = offline
    status, document = request(f"{base}/model")
    assert status == 200 and document["name"] == CARD["name"]
    assert document["input"]["height"] == 8


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{broken", "application/json", 400, "invalid_json"),
        (b'{"image": "@@@"}', "application/json", 400, "invalid_base64"),
        (b'{"image": "aGVsbG8="}', "application/json", 400, "invalid_image"),
        (b'{"images": []}', "application/json", 400, "empty_batch"),
        (b"hello", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_offline_bad_requests_get_their_4xx(offline, body, content_type, status, code):
    base, _ = offline
    got_status, document = request(f"{base}/classify", body, content_type)
    assert (got_status, document["error"]["code"]) == (status, code)


def test_offline_stops_without_leaving_processes():
    port = free_port()
    process = subprocess.Popen(
        [
            str(SLS),
            "offline",
            "--httpPort",
            str(port),
            "--lambdaPort",
            str(free_port()),
            "--host",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if (
                request(
                    f"http://127.0.0.1:{port}/classify",
                    json.dumps({"image": b64(digit_png("1"))}).encode(),
                    "application/json",
                )[0]
                == 200
            ):
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    assert stop_process_group(process)
    assert process.returncode is not None and not group_alive(process.pid)


@pytest.fixture(scope="module")
def package(packaged):
    return packaged() / "image-classifier.zip"


def test_package_builds_without_credentials_and_holds_only_serving_code(package):
    names = zipfile.ZipFile(package).namelist()
    assert "handler.py" in names and "model/model.onnx" in names
    assert "src/image_classifier/http_app.py" in names
    assert "src/image_classifier/page/index.html" in names
    banned = (
        "tests/",
        "scripts/",
        "node_modules/",
        "tensorflow",
        "keras",
        "tf2onnx",
        "model/model.keras",
        "model/report/",
        "requirements-train.txt",
        "boto3/",
        ".ipynb",
    )
    assert [n for n in names if any(b in n for b in banned)] == []
    assert any(n.startswith("onnxruntime/") for n in names)


def test_package_unzipped_size_is_under_lambdas_limit(package):
    size = sum(info.file_size for info in zipfile.ZipFile(package).infolist())
    print(
        f"deploy package: {package.stat().st_size / 1e6:.1f} MB zipped, "
        f"{size / 1e6:.1f} MB unzipped"
    )
    assert size < 250 * 1024 * 1024


def test_unzipped_package_serves_on_its_own(package, tmp_path):
    """No site-packages: the artifact alone must import and classify."""
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path)
    event = (EVENTS / "http_api_v2.json").read_text()
    code = (
        f"import json; import handler; print(json.dumps(handler.classify(json.loads({event!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, document, _ = read_response(json.loads(result.stdout.splitlines()[-1]))
    assert status == 200 and document["predictions"][0]["label"] == label(7)


def test_packaged_functions_run_on_the_local_python(package):
    template = json.loads(
        (package.parent / "cloudformation-template-update-stack.json").read_text()
    )
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions and {f["Properties"]["Runtime"] for f in functions} == {RUNTIME}


def test_packaged_cloudformation_is_least_privilege_and_prefix_scoped(package):
    template = json.loads(
        (package.parent / "cloudformation-template-update-stack.json").read_text()
    )
    resources = template["Resources"]
    role = resources["IamRoleLambdaExecution"]["Properties"]["Policies"][0]["PolicyDocument"]
    for statement in role["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert all("*" not in action for action in actions), statement
        targets = statement["Resource"]
        assert "*" not in (targets if isinstance(targets, list) else [targets]), statement
    granted = {a for s in role["Statement"] for a in s["Action"] if a.startswith("s3:")}
    assert granted == {"s3:GetObject", "s3:PutObject"}
    bucket = next(
        r
        for r in resources.values()
        if r["Type"] == "AWS::S3::Bucket" and "NotificationConfiguration" in r["Properties"]
    )
    configurations = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert len(configurations) == 11
    for configuration in configurations:
        rules = {r["Name"]: r["Value"] for r in configuration["Filter"]["S3Key"]["Rules"]}
        assert rules["prefix"] == "uploads/" and rules["suffix"].lower().startswith(".")

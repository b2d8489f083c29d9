"""Nothing lost on the S3 path, checked where it is decided: the CloudFormation `sls package`
builds (default: direct S3 with an on-failure queue; uploadsQueue=true: S3 -> SQS -> Lambda),
and the new fixtures through `sls invoke local` against moto's server."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.support.factories import EVENTS, digit_png, label, read_response
from tests.support.serverless_cli import invoke_local

pytestmark = pytest.mark.slow

FOURTEEN_DAYS = 14 * 24 * 3600
SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".JPG",
    ".JPEG",
    ".PNG",
}
DLQ_ARN = {"Fn::GetAtt": ["UploadsDeadLetterQueue", "Arn"]}
QUEUE_ARN = {"Fn::GetAtt": ["UploadsQueue", "Arn"]}


@pytest.fixture(scope="module")
def direct(packaged) -> dict[str, Any]:
    return template(packaged())


@pytest.fixture(scope="module")
def queued(packaged) -> dict[str, Any]:
    return template(packaged("uploadsQueue=true"))


def template(directory) -> dict[str, Any]:
    return json.loads((directory / "cloudformation-template-update-stack.json").read_text())


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def role_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["IamRoleLambdaExecution"]["Properties"]
    return role["Policies"][0]["PolicyDocument"]["Statement"]


def actions(statement: dict[str, Any]) -> list[str]:
    return as_list(statement["Action"])


def grants(template: dict[str, Any], service: str) -> list[tuple[str, Any]]:
    """(action, resource) pairs the functions' role holds for one service."""
    return [
        (action, resource)
        for statement in role_statements(template)
        for action in actions(statement)
        for resource in as_list(statement["Resource"])
        if action.startswith(f"{service}:")
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def upload_timeout(template: dict[str, Any]) -> int:
    return template["Resources"]["ClassifyUploadLambdaFunction"]["Properties"]["Timeout"]


def test_failed_upload_events_go_to_a_queue_kept_fourteen_days(direct):
    (config,) = of_type(direct, "AWS::Lambda::EventInvokeConfig").values()
    properties = config["Properties"]
    assert properties["FunctionName"] == {"Ref": "ClassifyUploadLambdaFunction"}
    assert properties["MaximumRetryAttempts"] == 2
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == DLQ_ARN
    dlq = direct["Resources"]["UploadsDeadLetterQueue"]
    assert dlq["Type"] == "AWS::SQS::Queue"
    assert dlq["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert direct["Outputs"]["UploadsDeadLetterQueueUrl"]["Value"] == {
        "Ref": "UploadsDeadLetterQueue"
    }


def test_the_role_may_only_send_to_the_dead_letter_queue(direct):
    assert grants(direct, "sqs") == [("sqs:SendMessage", DLQ_ARN)]


def test_skip_if_current_may_read_results_and_nothing_more(direct, queued):
    for built in (direct, queued):
        assert sorted(grants(built, "s3")) == [
            ("s3:GetObject", "arn:aws:s3:::image-classifier-dev-uploads/results/*"),
            ("s3:GetObject", "arn:aws:s3:::image-classifier-dev-uploads/uploads/*"),
            ("s3:PutObject", "arn:aws:s3:::image-classifier-dev-uploads/results/*"),
        ]


def test_by_default_s3_invokes_the_function_directly(direct):
    assert "UploadsQueue" not in direct["Resources"]
    assert of_type(direct, "AWS::Lambda::EventSourceMapping") == {}
    (bucket,) = [
        r
        for r in of_type(direct, "AWS::S3::Bucket").values()
        if "NotificationConfiguration" in r["Properties"]
    ]
    notifications = bucket["Properties"]["NotificationConfiguration"]
    assert set(notifications) == {"LambdaConfigurations"}
    assert len(notifications["LambdaConfigurations"]) == len(SUFFIXES)


def test_the_queue_option_puts_sqs_between_s3_and_the_function(queued):
    (mapping,) = of_type(queued, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert properties["EventSourceArn"] == QUEUE_ARN
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["FunctionName"] == {"Fn::GetAtt": ["ClassifyUploadLambdaFunction", "Arn"]}
    queue = queued["Resources"]["UploadsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * upload_timeout(queued)
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == DLQ_ARN
    assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    assert of_type(queued, "AWS::Lambda::Permission").keys() == {"ClassifyLambdaPermissionHttpApi"}


def test_the_queued_bucket_notifies_the_queue_for_each_image_suffix_under_uploads(queued):
    bucket = queued["Resources"]["UploadsBucket"]
    assert bucket["Properties"]["BucketName"] == "image-classifier-dev-uploads"
    notifications = bucket["Properties"]["NotificationConfiguration"]
    assert set(notifications) == {"QueueConfigurations"}
    suffixes = set()
    for configuration in notifications["QueueConfigurations"]:
        assert configuration["Queue"] == QUEUE_ARN
        assert configuration["Event"] == "s3:ObjectCreated:*"
        rules = {r["Name"]: r["Value"] for r in configuration["Filter"]["S3Key"]["Rules"]}
        assert rules["prefix"] == "uploads/"
        suffixes.add(rules["suffix"])
    assert suffixes == SUFFIXES
    assert as_list(bucket["DependsOn"]) == ["UploadsQueuePolicy"]


def test_only_this_bucket_may_send_to_the_uploads_queue(queued):
    policy = queued["Resources"]["UploadsQueuePolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "UploadsQueue"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage" and statement["Resource"] == QUEUE_ARN
    assert statement["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:s3:::image-classifier-dev-uploads"
    }


def test_the_queued_role_reads_the_uploads_queue_and_sends_only_to_the_dlq(queued):
    pairs = grants(queued, "sqs")
    assert ("sqs:SendMessage", DLQ_ARN) in pairs
    consumer = {action for action, resource in pairs if resource == QUEUE_ARN}
    assert consumer == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert {json.dumps(resource) for _, resource in pairs} == {
        json.dumps(DLQ_ARN),
        json.dumps(QUEUE_ARN),
    }


def test_the_backfill_function_and_the_role_batch_operations_assumes(direct):
    function = direct["Resources"]["ClassifyBatchJobLambdaFunction"]["Properties"]
    assert function["Handler"] == "handler.classify_batch_job"
    role = direct["Resources"]["BatchJobRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "batchoperations.s3.amazonaws.com"}
    (policy,) = role["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    granted = {(a, json.dumps(s["Resource"])) for s in statements for a in actions(s)}
    batch_arn = {"Fn::GetAtt": ["ClassifyBatchJobLambdaFunction", "Arn"]}
    assert {a for a, _ in granted} == {
        "lambda:InvokeFunction",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
    }
    invoke = next(s for s in statements if actions(s) == ["lambda:InvokeFunction"])
    assert invoke["Resource"][0] == batch_arn
    backfill = "arn:aws:s3:::image-classifier-dev-uploads/backfill/*"
    assert {json.loads(r) for a, r in granted if a.startswith("s3:")} == {backfill}
    assert "BatchJobRoleArn" in direct["Outputs"]


INVOKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def fixture_upload(moto_server):
    """The object every S3 fixture names, uploaded to moto's server."""
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1", **_keys())
    bucket, key = "image-classifier-dev-uploads", "uploads/my digit+4.png"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=digit_png("4"))
    yield s3, bucket, key
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.mark.parametrize("fixture", ["s3_sqs", "s3_sns", "s3_sns_sqs", "s3_eventbridge"])
def test_invoke_local_classifies_every_wrapped_s3_fixture(fixture, fixture_upload, moto_server):
    s3, bucket, key = fixture_upload
    env = {**INVOKE_ENV, "AWS_ENDPOINT_URL_S3": moto_server}
    reply = invoke_local("classifyUpload", EVENTS / f"{fixture}.json", env=env)
    if fixture.endswith("sqs"):
        assert reply == {"batchItemFailures": []}
    else:
        assert reply["classified"] == 1 and reply["transient"] == 0
    result = json.loads(s3.get_object(Bucket=bucket, Key=f"results/{key}.json")["Body"].read())
    assert result["predictions"][0]["label"] == label(4)


@pytest.mark.parametrize("schema", ["v1", "v2"])
def test_invoke_local_runs_both_batch_operations_fixtures(schema, fixture_upload, moto_server):
    s3, bucket, key = fixture_upload
    env = {**INVOKE_ENV, "AWS_ENDPOINT_URL_S3": moto_server}
    reply = invoke_local("classifyBatchJob", EVENTS / f"s3_batch_operations_{schema}.json", env=env)
    assert [r["resultCode"] for r in reply["results"]] == ["Succeeded"]
    assert reply["invocationSchemaVersion"] == f"{schema[1]}.0"
    assert s3.head_object(Bucket=bucket, Key=f"results/{key}.json")["ContentLength"] > 0


@pytest.mark.parametrize(("fixture", "digit", "top_k"), [("alb", 2, 2), ("alb_multi_value", 6, 4)])
def test_invoke_local_answers_both_alb_fixtures(fixture, digit, top_k):
    reply = invoke_local("classify", EVENTS / f"{fixture}.json")
    headers = "multiValueHeaders" if fixture == "alb_multi_value" else "headers"
    assert headers in reply
    status, document, _ = read_response({**reply, "headers": reply.get("headers", {})})
    assert status == 200 and len(document["predictions"]) == top_k
    assert document["predictions"][0]["label"] == label(digit)

"""Who may call the API and what it may cost, checked in the CloudFormation `sls package` builds.

Each configuration is packaged once per session, without AWS credentials: the default (open,
`none`), `jwt` with every other option set away from its default, and `iam`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from image_classifier.cors import CorsPolicy
from tests.support.factories import ROOT
from tests.support.serverless_cli import sls

CONFIG = yaml.safe_load((ROOT / "serverless.yml").read_text())
PARAMS = CONFIG["params"]["default"]
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1"
AUDIENCES = ["4f8a2c1e6b7d9a3c5e0f1b2d3a", "7c1d9e2f4a6b8c0d2e4f6a8b0c"]
ORIGINS = ["https://app.example.com", "https://admin.example.com"]
CONFIGS: dict[str, tuple[str, ...]] = {
    "none": (),
    "jwt": (
        "auth=jwt",
        f"jwtIssuer={ISSUER}",
        f"jwtAudience={','.join(AUDIENCES)}",
        "throttleRate=3",
        "throttleBurst=7",
        "classifyConcurrency=4",
        "classifyUploadConcurrency=2",
        "classifyBatchJobConcurrency=1",
        f"corsAllowOrigin={','.join(ORIGINS)}",
    ),
    "iam": ("auth=iam",),
}
ROUTE_AUTHORIZER = "${self:custom.routeAuthorizer}"

Template = dict[str, Any]


def package(target: Any, params: tuple[str, ...]) -> Any:
    return sls("package", "--package", str(target), *(f"--param={p}" for p in params), timeout=900)


@pytest.fixture(scope="session")
def template(packaged) -> Callable[[str], Template]:
    """The packaged template of a configuration; `none` is the suite's default package."""

    def get(name: str) -> Template:
        path = packaged(*CONFIGS[name]) / "cloudformation-template-update-stack.json"
        return json.loads(path.read_text())

    return get


def of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def routes(template: Template) -> dict[str, dict[str, Any]]:
    found = of_type(template, "AWS::ApiGatewayV2::Route")
    assert found, "the template has no HTTP API routes"
    return found


def functions(template: Template) -> dict[str, dict[str, Any]]:
    return of_type(template, "AWS::Lambda::Function")


def test_every_http_route_in_serverless_yml_carries_the_authorizer_line():
    """A route added without the line would stay open whatever `auth` says."""
    events = [
        (name, event["httpApi"])
        for name, function in CONFIG["functions"].items()
        for event in function.get("events", [])
        if "httpApi" in event
    ]
    assert events
    for name, event in events:
        assert isinstance(event, dict) and event.get("authorizer") == ROUTE_AUTHORIZER, name


def test_every_function_carries_a_reserved_concurrency_line():
    for name, function in CONFIG["functions"].items():
        assert "reservedConcurrency" in function, name


@pytest.mark.slow
def test_default_build_is_open_on_every_route(template):
    built = template("none")
    for name, route in routes(built).items():
        assert route["Properties"].get("AuthorizationType", "NONE") == "NONE", name
        assert "AuthorizerId" not in route["Properties"], name
    assert not of_type(built, "AWS::ApiGatewayV2::Authorizer")


@pytest.mark.slow
def test_jwt_puts_one_jwt_authorizer_on_every_route(template):
    built = template("jwt")
    authorizers = of_type(built, "AWS::ApiGatewayV2::Authorizer")
    assert len(authorizers) == 1
    (logical_id, authorizer), *_ = authorizers.items()
    properties = authorizer["Properties"]
    assert properties["AuthorizerType"] == "JWT"
    assert properties["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": AUDIENCES}
    assert properties["IdentitySource"] == ["$request.header.Authorization"]
    for name, route in routes(built).items():
        assert route["Properties"]["AuthorizationType"] == "JWT", name
        assert route["Properties"]["AuthorizerId"] == {"Ref": logical_id}, name


@pytest.mark.slow
def test_iam_puts_aws_iam_on_every_route(template):
    built = template("iam")
    for name, route in routes(built).items():
        assert route["Properties"]["AuthorizationType"] == "AWS_IAM", name
        assert "AuthorizerId" not in route["Properties"], name
    assert not of_type(built, "AWS::ApiGatewayV2::Authorizer")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "rate", "burst"),
    [("none", PARAMS["throttleRate"], PARAMS["throttleBurst"]), ("jwt", 3, 7)],
)
def test_stage_throttling_lands_on_the_http_api_stage(template, config, rate, burst):
    (stage,) = of_type(template(config), "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["DefaultRouteSettings"]
    # --param values arrive as strings; CloudFormation reads them as numbers.
    assert float(settings["ThrottlingRateLimit"]) == rate
    assert int(settings["ThrottlingBurstLimit"]) == burst


def test_default_throttle_is_a_positive_cap():
    assert 0 < PARAMS["throttleRate"] <= PARAMS["throttleBurst"]


@pytest.mark.slow
def test_reserved_concurrency_defaults_to_none_on_every_function(template):
    found = functions(template("none"))
    assert {"ClassifyLambdaFunction", "ClassifyUploadLambdaFunction"} <= set(found)
    for name, function in found.items():
        reserved = function["Properties"]["ReservedConcurrentExecutions"]
        assert reserved == {"Ref": "AWS::NoValue"}, name


@pytest.mark.slow
def test_reserved_concurrency_caps_each_function_as_given(template):
    found = functions(template("jwt"))
    reserved = {k: v["Properties"]["ReservedConcurrentExecutions"] for k, v in found.items()}
    assert reserved["ClassifyLambdaFunction"] == 4
    assert reserved["ClassifyUploadLambdaFunction"] == 2
    assert reserved.get("ClassifyBatchJobLambdaFunction", 1) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("config", "origins"), [("none", ["*"]), ("jwt", ORIGINS)])
def test_cors_origin_list_reaches_the_api_and_the_functions_alike(template, config, origins):
    built = template(config)
    (api,) = of_type(built, "AWS::ApiGatewayV2::Api").values()
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == origins
    assert {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} <= set(cors["AllowHeaders"])
    for name, function in functions(built).items():
        setting = function["Properties"]["Environment"]["Variables"]["CORS_ALLOW_ORIGIN"]
        assert CorsPolicy(setting).origins == set(origins), name


@pytest.mark.slow
@pytest.mark.parametrize("value", ["open", "JWT"])
def test_an_unknown_auth_mode_fails_the_build(tmp_path, value):
    result = package(tmp_path, (f"auth={value}",))
    assert result.returncode != 0
    assert "custom.routeAuthorizer" in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        ("auth=jwt",),
        ("auth=jwt", f"jwtAudience={AUDIENCES[0]}"),
        ("auth=jwt", f"jwtIssuer={ISSUER}"),
        ("auth=jwt", "jwtIssuer=http://issuer.example", f"jwtAudience={AUDIENCES[0]}"),
    ],
    ids=["neither", "no issuer", "no audience", "issuer not https"],
)
def test_jwt_without_an_https_issuer_and_an_audience_fails_the_build(tmp_path, params):
    result = package(tmp_path, params)
    assert result.returncode != 0
    assert "auth=jwt needs" in result.stdout + result.stderr

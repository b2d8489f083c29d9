"""serverless.yml stays least-privilege, loop-free and in step with the code."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from image_classifier.s3_trigger import IMAGE_SUFFIXES
from image_classifier.settings import Settings
from tests.support.factories import ROOT

CONFIG = yaml.safe_load((ROOT / "serverless.yml").read_text())
PARAMS = CONFIG["params"]["default"]


def resolve(value: str) -> str:
    """Substitute the file's own default parameters, the way the CLI does for a deploy."""
    for _ in range(3):
        for name, default in PARAMS.items():
            value = value.replace(f"${{param:{name}}}", str(default))
    return value.replace("${sls:stage}", "dev")


def statements():
    return CONFIG["provider"]["iam"]["role"]["statements"]


def s3_events():
    """The direct (default) delivery's S3 notifications, chosen by the uploadsQueue parameter."""
    events = CONFIG["functions"]["classifyUpload"]["events"]
    assert events == "${self:custom.uploadDelivery.${param:uploadsQueue}.events}"
    assert PARAMS["uploadsQueue"] is False
    return [e["s3"] for e in CONFIG["custom"]["uploadDelivery"]["false"]["events"] if "s3" in e]


def test_iam_has_no_wildcard_actions_or_resources():
    for statement in statements():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = [
            resolve(r)
            for r in (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
        ]
        assert all("*" not in action for action in actions), statement
        assert all(resource not in ("*", "arn:aws:s3:::*") for resource in resources), statement
        assert all(
            resource.endswith("/*") and resource.count("*") == 1 for resource in resources
        ), statement


def test_iam_grants_exactly_get_on_uploads_and_get_and_put_on_results():
    """Reading results is for skip-if-current (the old result's metadata)."""
    granted = {(s["Effect"], tuple(s["Action"]), resolve(s["Resource"])) for s in statements()}
    assert granted == {
        ("Allow", ("s3:GetObject",), "arn:aws:s3:::image-classifier-dev-uploads/uploads/*"),
        ("Allow", ("s3:PutObject",), "arn:aws:s3:::image-classifier-dev-uploads/results/*"),
        ("Allow", ("s3:GetObject",), "arn:aws:s3:::image-classifier-dev-uploads/results/*"),
    }


def test_every_s3_trigger_has_a_prefix_rule_and_an_image_suffix():
    events = s3_events()
    assert events
    suffixes = set()
    for event in events:
        rules = {k: v for rule in event["rules"] for k, v in rule.items()}
        assert resolve(rules["prefix"]) == "uploads/"
        assert event["event"] == "s3:ObjectCreated:*"
        suffixes.add(rules["suffix"])
    assert {suffix.lower() for suffix in suffixes} == set(IMAGE_SUFFIXES)
    assert {".JPG", ".JPEG", ".PNG"} <= suffixes


def test_results_prefix_is_outside_the_trigger_prefix():
    assert not PARAMS["resultsPrefix"].startswith(PARAMS["uploadsPrefix"])
    assert not PARAMS["uploadsPrefix"].startswith(PARAMS["resultsPrefix"])


def test_runtime_follows_the_local_python_and_defaults_to_3_11():
    runtime = "${env:PYTHON_RUNTIME, 'python3.11'}"
    assert CONFIG["provider"]["runtime"] == runtime
    assert CONFIG["custom"]["pythonRequirements"]["pythonBin"] == runtime


def test_timeout_is_under_api_gateways():
    assert CONFIG["provider"]["timeout"] < 29


def test_http_routes_and_cors():
    routes = {
        (e["httpApi"]["method"], e["httpApi"]["path"])
        for e in CONFIG["functions"]["classify"]["events"]
    }
    assert routes == {
        ("POST", "/classify"),
        ("GET", "/model"),
        ("GET", "/"),
        ("GET", "/index.html"),
        # TF Serving's /v1/models/NAME:predict and friends: the router splits the rest.
        ("GET", "/v1/models/{path+}"),
        ("POST", "/v1/models/{path+}"),
    }
    assert CONFIG["provider"]["httpApi"]["cors"]["allowedMethods"]


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_has_an_environment_variable(field):
    assert field.upper() in CONFIG["provider"]["environment"]


def test_package_is_an_allow_list_without_training_or_tests():
    patterns = CONFIG["package"]["patterns"]
    assert patterns[0] == "!**"
    assert not any(p.startswith(("tests", "scripts", "node_modules")) for p in patterns)
    assert "model/model.keras" not in patterns
    assert CONFIG["custom"]["pythonRequirements"]["fileName"] == "requirements.txt"
    serving = (ROOT / "requirements.txt").read_text().lower()
    assert "tensorflow" not in serving and "keras" not in serving

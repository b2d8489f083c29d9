from __future__ import annotations

import pytest

from image_classifier.error_formats import native_error, tf_serving_error
from image_classifier.errors import ClassifierError
from image_classifier.router import resolve


@pytest.mark.parametrize(
    ("path", "method", "action"),
    [
        ("/classify", "POST", "classify"),
        ("/dev/classify", "POST", "classify"),
        ("/classify/", "POST", "classify"),
        ("/", "POST", "classify"),
        ("/", "GET", "page"),
        ("/index.html", "GET", "page"),
        ("/index.html", "HEAD", "page"),
        ("/model", "GET", "model"),
        ("/v1/models/digits", "GET", "tf_status"),
        ("/v1/models/digits/versions/7", "GET", "tf_status"),
        ("/v1/models/digits/metadata", "GET", "tf_metadata"),
        ("/v1/models/digits/versions/7/metadata", "GET", "tf_metadata"),
        ("/v1/models/digits:predict", "POST", "tf_predict"),
        ("/v1/models/digits/versions/7:predict", "POST", "tf_predict"),
        ("/v1/models/digits:classify", "POST", "tf_classify"),
        ("/v1/models/digits%3Apredict", "POST", "tf_predict"),
        ("/dev/v1/models/digits:predict", "POST", "tf_predict"),
    ],
)
def test_paths_resolve_to_their_action(path, method, action):
    assert resolve(path).actions[method] == action


def test_tf_routes_carry_model_and_version():
    route = resolve("/v1/models/digits/versions/7:predict")
    assert route.tf_serving and route.error_format is tf_serving_error
    assert (route.model, route.version) == ("digits", "7")
    assert resolve("/v1/models/digits:predict").version is None


@pytest.mark.parametrize(
    "path", ["/v1/models/digits:regress", "/v1/models/digits/labels/stable", "/v1/models", "/v1/x"]
)
def test_unknown_tf_shaped_paths_are_tf_routes_without_actions(path):
    route = resolve(path)
    assert route.tf_serving and not route.actions
    assert route.error_format is tf_serving_error


@pytest.mark.parametrize("path", ["/nope", "/classify/extra", "/models"])
def test_other_paths_are_native_routes_without_actions(path):
    route = resolve(path)
    assert not route.tf_serving and not route.actions
    assert route.error_format is native_error


@pytest.mark.parametrize(
    ("path", "document"),
    [
        ("/classify", {"error": {"code": "teapot", "message": "No.", "status": 418}}),
        ("/nope", {"error": {"code": "teapot", "message": "No.", "status": 418}}),
        ("/v1/models/digits:predict", {"error": "No."}),
        ("/v1/models/digits:regress", {"error": "No."}),
    ],
)
def test_a_route_answers_errors_in_its_own_format(path, document):
    response = resolve(path).error_format(
        ClassifierError("No.", code="teapot", status=418), {"Allow": "GET"}
    )
    assert (response.status, response.document) == (418, document)
    assert response.error_code == "teapot" and response.headers == {"Allow": "GET"}


def test_allow_lists_the_methods_and_options():
    assert resolve("/model").allow == "GET, HEAD, OPTIONS"

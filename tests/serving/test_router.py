from __future__ import annotations

import pytest

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
    route = resolve(path)
    assert route is not None and route.actions[method] == action


def test_tf_routes_carry_model_and_version():
    route = resolve("/v1/models/digits/versions/7:predict")
    assert route is not None and route.tf_serving
    assert (route.model, route.version) == ("digits", "7")
    latest = resolve("/v1/models/digits:predict")
    assert latest is not None and latest.version is None


@pytest.mark.parametrize(
    "path", ["/v1/models/digits:regress", "/v1/models/digits/labels/stable", "/v1/models", "/v1/x"]
)
def test_unknown_tf_shaped_paths_are_tf_routes_without_actions(path):
    route = resolve(path)
    assert route is not None and route.tf_serving and not route.actions


@pytest.mark.parametrize("path", ["/nope", "/classify/extra", "/models"])
def test_other_paths_have_no_route(path):
    assert resolve(path) is None


def test_allow_lists_the_methods_and_options():
    route = resolve("/model")
    assert route is not None and route.allow == "GET, HEAD, OPTIONS"

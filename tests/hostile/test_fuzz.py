"""Property-based fuzzing: whatever arrives, the handler answers below 500, as JSON or the page."""

from __future__ import annotations

import base64
import collections
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier_devtools.events import function_url_event, http_api_event, rest_api_event
from classifier_ops import synthetic_results
from image_classifier.result_document import MalformedResult, ResultDocument
from image_classifier.tf_signatures import version_number
from tests.support import envelopes
from tests.support.factories import CARD, digit_png, encode, quadrants

SHAPES = [
    http_api_event,
    function_url_event,
    rest_api_event,
    envelopes.alb_event,
    envelopes.alb_multi_value_event,
]
SEEDS = [
    digit_png("3"),
    encode(quadrants(255, 0, 0, 255, side=32), "JPEG"),
    encode(quadrants(9, 99, 199, 255, side=16), "GIF"),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
documents = st.one_of(
    st.fixed_dictionaries(
        {"image": st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())},
        optional={"top_k": json_values, "min_confidence": json_values},
    ),
    st.fixed_dictionaries(
        {
            "images": st.lists(
                st.binary(max_size=100).map(lambda b: base64.b64encode(b).decode()) | json_values,
                max_size=20,
            )
        }
    ),
    st.dictionaries(
        st.sampled_from(["image", "images", "top_k", "min_confidence", "x"]),
        json_values,
        max_size=3,
    ),
    json_values,
)


@st.composite
def mutated_image(draw):
    """A real image with bytes flipped, cut or appended: near-valid input is the nasty kind."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(1, len(data)))
    return bytes(data[:cut]) + draw(st.binary(max_size=20))


headers = st.dictionaries(
    st.sampled_from(
        ["content-type", "Content-Type", "CONTENT-TYPE", "x-any", "accept", "content-length"]
    ),
    st.sampled_from(
        [
            "application/json",
            "image/png",
            "text/plain",
            "",
            "image/*",
            "application/octet-stream",
            "application/json;charset=latin-1",
        ]
    )
    | st.text(max_size=30)
    | st.integers(-5, 10**30).map(str),
    max_size=3,
)


MODEL = CARD["name"]
TF_PATHS = [
    f"/v1/models/{MODEL}:predict",
    f"/v1/models/{MODEL}/versions/{version_number(CARD['version'])}:predict",
    f"/v1/models/{MODEL}:classify",
    f"/v1/models/{MODEL}",
    f"/v1/models/{MODEL}/metadata",
    "/v1/models/other:predict",
    f"/v1/models/{MODEL}/versions/x:predict",
    f"/v1/models/{MODEL}:",
]
image_b64 = (mutated_image() | st.binary(max_size=100)).map(lambda b: base64.b64encode(b).decode())
instances = st.lists(
    image_b64 | st.fixed_dictionaries({"b64": image_b64}) | json_values, min_size=1, max_size=5
)
tf_documents = st.fixed_dictionaries(
    {},
    optional={
        "instances": instances | json_values,
        "inputs": instances | st.fixed_dictionaries({"image_bytes": instances}) | json_values,
        "signature_name": st.sampled_from(["serving_default", "top_k", ""]) | json_values,
        "examples": st.lists(
            st.dictionaries(st.sampled_from(["image", "image_bytes", "caption"]), instances),
            max_size=3,
        ),
    },
)


good_image = st.sampled_from(SEEDS).map(lambda b: base64.b64encode(b).decode())


@st.composite
def tf_predict_documents(draw):
    """Mostly well-formed predict bodies, so that the 200 property gets exercised."""
    item = st.one_of(good_image, good_image.map(lambda v: {"b64": v}), image_b64, json_values)
    document = {draw(st.sampled_from(["instances", "inputs"])): draw(st.lists(item, max_size=5))}
    if draw(st.booleans()):
        document["signature_name"] = draw(st.sampled_from(["serving_default", "top_k", "", "x"]))
    return document


@st.composite
def events(draw):
    shape = draw(st.sampled_from(SHAPES))
    kind = draw(st.sampled_from(["json", "raw", "text", "none"]))
    method = draw(st.sampled_from(["POST", "POST", "GET", "PUT", "OPTIONS", "PATCH"]))
    path = draw(
        st.sampled_from(
            [
                "/classify",
                "/model",
                "/",
                "/index.html",
                "/dev/classify",
                "/x/../classify",
                *TF_PATHS,
            ]
        )
    )
    if kind == "json":
        body, encoded = json.dumps(draw(documents | tf_documents)), False
    elif kind == "raw":
        body, encoded = (
            base64.b64encode(draw(mutated_image() | st.binary(max_size=300))).decode(),
            draw(st.booleans()),
        )
    elif kind == "text":
        body, encoded = draw(st.text(max_size=200)), draw(st.booleans())
    else:
        body, encoded = None, False
    return shape(body, method=method, path=path, headers=draw(headers), base64_encoded=encoded)


def check(response) -> int:
    """A well-formed gateway response below 500; returns its status.

    Errors are the native {"error": {"code", "message"}} or TF Serving's {"error": "..."}; the
    only non-JSON answer is the page.
    """
    assert isinstance(response, dict)
    status = response["statusCode"]
    assert isinstance(status, int) and status < 500
    # ALB in multi-value mode answers multiValueHeaders only.
    headers = response.get("headers") or {
        k: v[-1] for k, v in response["multiValueHeaders"].items()
    }
    if headers["Content-Type"].startswith("text/html"):
        assert status == 200 and response["body"].lower().startswith("<!doctype html>")
        return status
    document = json.loads(response["body"])
    assert isinstance(document, dict)
    if status >= 400:
        error = document["error"]
        assert (isinstance(error, str) and error) or set(error) >= {"code", "message"}
    return status


@pytest.fixture
def fuzz(request):
    """Hypothesis settings for this run: a bounded count in CI, 20,000 under `make fuzz`."""
    return settings(
        max_examples=request.config.getoption("--fuzz-examples"),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def report(name: str, fuzz, seen: collections.Counter) -> None:
    print(f"\nfuzz {name}: {fuzz.max_examples} examples, statuses {dict(sorted(seen.items()))}")


def test_fuzz_http_events(classify, fuzz):
    seen: collections.Counter = collections.Counter()

    @fuzz
    @given(events())
    def run(event):
        seen[check(classify(event))] += 1

    run()
    report("http events", fuzz, seen)


def test_fuzz_direct_invocations(classify, fuzz):
    seen: collections.Counter = collections.Counter()

    @fuzz
    @given(documents | st.binary(max_size=50) | st.text(max_size=50))
    def run(event):
        response = classify(event)
        assert isinstance(response, dict)
        outcome = response["error"]["status"] if "error" in response else 200
        assert outcome < 500
        seen[outcome] += 1

    run()
    report("direct invocations", fuzz, seen)


def test_fuzz_image_bytes(classify, fuzz):
    seen: collections.Counter = collections.Counter()

    @fuzz
    @given(mutated_image())
    def run(data):
        event = http_api_event(
            base64.b64encode(data).decode(),
            headers={"content-type": "image/png"},
            base64_encoded=True,
        )
        seen[check(classify(event))] += 1

    run()
    report("image bytes", fuzz, seen)


@pytest.mark.slow
def test_fuzz_tf_serving_predict(classify, fuzz):
    """Whatever the instances, a 200 holds one probability row per image, in label order."""
    seen: collections.Counter = collections.Counter()

    @fuzz
    @given(tf_predict_documents(), st.sampled_from(TF_PATHS[:2]), st.booleans())
    def run(document, path, as_bytes):
        body = json.dumps(document)
        if as_bytes:
            body = base64.b64encode(body.encode()).decode()
        event = http_api_event(
            body, path=path, headers={"content-type": ""}, base64_encoded=as_bytes
        )
        response = classify(event)
        status = check(response)
        seen[status] += 1
        if status == 200 and document.get("signature_name") in (None, "", "serving_default"):
            rows = json.loads(response["body"])
            rows = rows.get("predictions", rows.get("outputs"))
            assert all(len(row) == len(CARD["labels"]) for row in rows)
            assert all(abs(sum(row) - 1) < 1e-4 for row in rows)

    run()
    report("tf serving predict", fuzz, seen)


MISSING = object()


def synthetic_documents() -> list[dict]:
    """Result documents as the writer shapes them: classified ones and an error."""
    card = synthetic_results.with_monitoring(CARD)
    documents = synthetic_results.matching(card, 2) + synthetic_results.shifted(card, 1)
    return [d.to_json() for d in (*documents, *synthetic_results.errors(1))]


def mutated_result(document: dict) -> st.SearchStrategy:
    """The document with one field, at the top or one level down, replaced or removed."""
    paths = [(key,) for key in document] + [
        (key, inner)
        for key, value in document.items()
        if isinstance(value, dict)
        for inner in value
    ]
    return st.tuples(st.sampled_from(paths), json_values | st.just(MISSING)).map(
        lambda change: _replaced(document, *change)
    )


def _replaced(document: dict, path: tuple[str, ...], value) -> dict:
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is MISSING:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


@pytest.mark.slow
def test_fuzz_result_documents(fuzz):
    """Any object under the results prefix is read as a result document or refused whole."""
    seen: collections.Counter = collections.Counter()
    mutated = st.one_of(*(mutated_result(d) for d in synthetic_documents()))

    @fuzz
    @given(mutated | json_values | st.binary(max_size=80))
    def run(raw):
        data = raw if isinstance(raw, bytes) else json.dumps(raw)
        try:
            document = ResultDocument.from_bytes(data)
        except MalformedResult:
            seen["refused"] += 1
            return
        assert ResultDocument.from_json(document.to_json()) == document
        seen["read"] += 1

    run()
    report("result documents", fuzz, seen)

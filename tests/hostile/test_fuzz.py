"""Property-based fuzzing: whatever arrives, the handler answers well-formed JSON below 500."""

from __future__ import annotations

import base64
import collections
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier_devtools.events import function_url_event, http_api_event, rest_api_event
from tests.support.factories import digit_png, encode, quadrants

SHAPES = [http_api_event, function_url_event, rest_api_event]
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
    st.sampled_from(["content-type", "Content-Type", "CONTENT-TYPE", "x-any", "accept"]),
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
    | st.text(max_size=30),
    max_size=3,
)


@st.composite
def events(draw):
    shape = draw(st.sampled_from(SHAPES))
    kind = draw(st.sampled_from(["json", "raw", "text", "none"]))
    method = draw(st.sampled_from(["POST", "POST", "GET", "PUT", "OPTIONS", "PATCH"]))
    path = draw(st.sampled_from(["/classify", "/model", "/", "/dev/classify", "/x/../classify"]))
    if kind == "json":
        body, encoded = json.dumps(draw(documents)), False
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
    """A well-formed gateway response below 500; returns its status."""
    assert isinstance(response, dict)
    status = response["statusCode"]
    assert isinstance(status, int) and status < 500
    document = json.loads(response["body"])
    assert isinstance(document, dict)
    if status >= 400:
        assert set(document["error"]) >= {"code", "message"}
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

from __future__ import annotations

import base64

import pytest

from image_classifier.errors import ClassifierError
from image_classifier.http_messages import HttpRequest
from image_classifier.payload import decode_base64_image, parse_classify_request
from tests.support.factories import encode, gray

IMAGE = encode(gray(77, (5, 7)))  # its base64 needs padding
STANDARD = base64.b64encode(IMAGE).decode()
URLSAFE = base64.urlsafe_b64encode(IMAGE).decode()


@pytest.mark.parametrize(
    "text",
    [
        STANDARD,
        STANDARD.rstrip("="),
        URLSAFE,
        URLSAFE.rstrip("="),
        "\n".join(STANDARD[i : i + 60] for i in range(0, len(STANDARD), 60)),
        f"  {STANDARD[:10]} \t {STANDARD[10:]}\r\n",
        f"data:image/png;base64,{STANDARD}",
        f"DATA:image/png;charset=binary;base64,{URLSAFE}",
    ],
    ids=[
        "standard",
        "unpadded",
        "urlsafe",
        "urlsafe-unpadded",
        "wrapped",
        "spaces",
        "data-url",
        "data-url-params",
    ],
)
def test_every_base64_spelling_decodes_to_the_same_bytes(text):
    assert decode_base64_image(text, 10_000) == IMAGE


@pytest.mark.parametrize(
    ("text", "code", "status"),
    [
        ("abc$def", "invalid_base64", 400),
        ("a", "invalid_base64", 400),
        ("ab=c", "invalid_base64", 400),
        ("", "empty_image", 400),
        ("data:text/plain;base64,aGVsbG8=", "unsupported_media_type", 415),
        ("A" * 20_000, "image_too_large", 413),
    ],
)
def test_bad_base64_gets_a_coded_error(text, code, status):
    with pytest.raises(ClassifierError) as error:
        decode_base64_image(text, 10_000)
    assert (error.value.code, error.value.status) == (code, status)


def parse(document=None, body=None, media="application/json", query=None, max_batch=4):
    request = HttpRequest("POST", "/classify", {"content-type": media}, query or {}, body, document)
    return parse_classify_request(request, 10, 3, 10_000, max_batch)


def test_single_image_document():
    parsed = parse({"image": STANDARD, "top_k": 5})
    assert parsed.images == [IMAGE] and parsed.top_k == 5 and not parsed.batch


def test_batch_keeps_item_errors_in_place():
    parsed = parse({"images": [STANDARD, "%%%", 42]})
    assert parsed.batch and parsed.images[0] == IMAGE
    assert [e.code for e in parsed.images[1:]] == ["invalid_base64", "invalid_field"]


def test_raw_body_takes_top_k_from_the_query_string():
    parsed = parse(body=IMAGE, media="image/png", query={"top_k": "2"})
    assert parsed.images == [IMAGE] and parsed.top_k == 2


def test_default_top_k_is_three():
    assert parse({"image": STANDARD}).top_k == 3


@pytest.mark.parametrize("top_k", [1, 10])
def test_top_k_bounds_are_accepted(top_k):
    assert parse({"image": STANDARD, "top_k": top_k}).top_k == top_k


@pytest.mark.parametrize("top_k", [0, -1, 11, 10**9, "3", 2.0, 2.5, True, [1]])
def test_invalid_top_k_is_refused(top_k):
    with pytest.raises(ClassifierError) as error:
        parse({"image": STANDARD, "top_k": top_k})
    assert error.value.code == "invalid_top_k"


@pytest.mark.parametrize(
    ("kwargs", "code", "status"),
    [
        ({"body": b"{not json"}, "invalid_json", 400),
        ({"body": b"\xff\xfe{}"}, "invalid_json", 400),
        ({"body": b""}, "missing_image", 400),
        ({"body": None}, "missing_image", 400),
        ({"document": []}, "invalid_request", 400),
        ({"document": {}}, "missing_image", 400),
        ({"document": {"image": 5}}, "invalid_field", 400),
        ({"document": {"image": None}}, "invalid_field", 400),
        ({"document": {"image": STANDARD, "images": [STANDARD]}}, "invalid_request", 400),
        ({"document": {"image": STANDARD, "colour": 1}}, "unknown_field", 400),
        ({"document": {"images": []}}, "empty_batch", 400),
        ({"document": {"images": STANDARD}}, "invalid_field", 400),
        ({"document": {"images": [STANDARD] * 5}}, "batch_too_large", 413),
        ({"body": IMAGE, "media": "image/png", "query": {"top_k": "x"}}, "invalid_top_k", 400),
        ({"body": b"", "media": "image/png"}, "missing_image", 400),
        ({"body": b"x" * 10_001, "media": "image/png"}, "image_too_large", 413),
        (
            {"body": b"a=1", "media": "application/x-www-form-urlencoded"},
            "unsupported_media_type",
            415,
        ),
        ({"body": b"hi", "media": "text/plain"}, "unsupported_media_type", 415),
    ],
)
def test_malformed_requests_get_coded_errors(kwargs, code, status):
    with pytest.raises(ClassifierError) as error:
        parse(**kwargs)
    assert (error.value.code, error.value.status) == (code, status)


def test_deeply_nested_json_is_invalid_json_not_a_crash():
    with pytest.raises(ClassifierError) as error:
        parse(body=b"[" * 100_000 + b"]" * 100_000)
    assert error.value.code in ("invalid_json", "invalid_request")

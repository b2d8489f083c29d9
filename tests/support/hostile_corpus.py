"""The hostile-input corpus: named requests built in code (no binary blobs in the repository).

Each case carries the exact status and error code it must get; code None means it must be
classified (200), because the input is unusual but legitimate. TF Serving cases (`tf`) answer
{"error": "<message>"}, so their code is checked in the log line instead.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from classifier_devtools.events import http_api_event, rest_api_event
from tests.support.factories import (
    CARD,
    b64,
    binary_event,
    digit_png,
    encode,
    gray,
    json_event,
    png_declaring,
    quadrants,
)

MAX_BATCH = 16
MAX_IMAGE_BYTES = 4_500_000


@dataclass(frozen=True)
class Case:
    name: str
    event: Any
    status: int
    code: str | None
    payload: bytes = b""
    tf: bool = False

    @property
    def markers(self) -> list[str]:
        """Input fragments that must never come back in a response or a log line."""
        texts = [b64(self.payload), self.payload.decode("latin-1")] if self.payload else []
        return [t for t in texts if len(t) >= 16]


def exif_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(quadrants(255, 128, 0, 0), "JPEG", quality=90, exif=exif.tobytes())


def corrupt_exif_jpeg() -> bytes:
    broken = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\xff\xff\xff\xff"
    return encode(quadrants(255, 128, 0, 0), "JPEG", exif=broken)


def image_case(name: str, data: bytes, status: int = 200, code: str | None = None) -> Case:
    return Case(name, json_event({"image": b64(data)}), status, code, data)


def raw_case(name: str, data: bytes, content_type: str, status: int, code: str | None) -> Case:
    return Case(name, binary_event(data, content_type), status, code, data)


def body_case(
    name: str,
    body: bytes | str,
    status: int,
    code: str | None,
    content_type: str = "application/json",
) -> Case:
    """Bytes travel base64-encoded, as a gateway delivers a body that is not valid text."""
    headers = {"content-type": content_type}
    if isinstance(body, bytes):
        event = http_api_event(b64(body), headers=headers, base64_encoded=True)
        return Case(name, event, status, code, body)
    return Case(name, http_api_event(body, headers=headers), status, code, body.encode())


def stated_length_case(name: str, length: str, status: int, code: str | None) -> Case:
    """A small real image whose Content-Length header says something else."""
    data = digit_png("5")
    event = binary_event(data, "image/png")
    event["headers"]["content-length"] = length
    return Case(name, event, status, code, data)


# A claim value that must never reach a response or a log line.
CLAIM_MARKER = "never-logged-claim-" * 4


def claims_case(name: str, claims: Any) -> Case:
    """An odd JWT authorizer context: the request is still served, and nothing of it logged."""
    event = json_event({"image": b64(digit_png("5"))})
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return Case(name, event, 200, None, CLAIM_MARKER.encode())


def odd_casing_event(body: str) -> dict[str, Any]:
    event = rest_api_event(body)
    event["headers"] = {"CoNtEnT-tYpE": "Application/JSON; Charset=UTF-8"}
    event["multiValueHeaders"] = {"CoNtEnT-tYpE": ["Application/JSON; Charset=UTF-8"]}
    return event


def tf_event(
    body: Any, path: str = "", method: str = "POST", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A TF Serving request as its clients send it: no Content-Type, the body JSON or bytes."""
    path = path or f"/v1/models/{CARD['name']}:predict"
    if isinstance(body, bytes):
        event = http_api_event(b64(body), method=method, path=path, base64_encoded=True)
    else:
        text = body if body is None or isinstance(body, str) else json.dumps(body)
        event = http_api_event(text, method=method, path=path)
    del event["headers"]["content-type"]
    event["headers"].update(headers or {})
    return event


def tf_serving_cases(digit: bytes, jpeg: bytes) -> list[Case]:
    """TF Serving's REST routes: the same inputs, its request shapes, its error shape."""
    name = CARD["name"]
    one = {"instances": [{"b64": b64(digit)}]}
    over_limit = b"\0" * (MAX_IMAGE_BYTES + 1)
    return [
        Case(
            "tf: unknown model name is not echoed",
            tf_event(one, f"/v1/models/{'m' * 40}:predict"),
            404,
            "not_found",
            b"m" * 40,
            tf=True,
        ),
        Case(
            "tf: a version that is not served",
            tf_event(one, f"/v1/models/{name}/versions/999999999:predict"),
            404,
            "not_found",
            tf=True,
        ),
        Case(
            "tf: non-numeric version is not echoed",
            tf_event(one, f"/v1/models/{name}/versions/{'v' * 40}:predict"),
            404,
            "not_found",
            b"v" * 40,
            tf=True,
        ),
        Case(
            "tf: unknown verb is not echoed",
            tf_event(one, f"/v1/models/{name}:{'r' * 40}"),
            404,
            "not_found",
            b"r" * 40,
            tf=True,
        ),
        Case(
            "tf: unknown signature is not echoed",
            tf_event({**one, "signature_name": "s" * 40}),
            400,
            "unknown_signature",
            b"s" * 40,
            tf=True,
        ),
        Case(
            "tf: unknown field is not echoed",
            tf_event({**one, "f" * 40: 1}),
            400,
            "unknown_field",
            b"f" * 40,
            tf=True,
        ),
        Case(
            "tf: invalid base64",
            tf_event({"instances": [{"b64": "*$#" * 10}]}),
            400,
            "invalid_base64",
            tf=True,
        ),
        Case(
            "tf: truncated jpeg",
            tf_event({"instances": [{"b64": b64(jpeg[: len(jpeg) // 2])}]}),
            400,
            "invalid_image",
            jpeg[: len(jpeg) // 2],
            tf=True,
        ),
        Case(
            "tf: png bomb",
            tf_event({"instances": [b64(png_declaring(100_000, 100_000))]}),
            400,
            "image_too_many_pixels",
            tf=True,
        ),
        Case(
            "tf: one bad instance fails the request",
            tf_event({"instances": [b64(digit), b64(b"junk" * 10)]}),
            400,
            "invalid_image",
            digit,
            tf=True,
        ),
        Case(
            "tf: both instances and inputs",
            tf_event({**one, "inputs": [b64(digit)]}),
            400,
            "invalid_request",
            digit,
            tf=True,
        ),
        Case(
            "tf: instances is one object",
            tf_event({"instances": {"b64": b64(digit)}}),
            400,
            "invalid_field",
            digit,
            tf=True,
        ),
        Case(
            "tf: b64 object with another key",
            tf_event({"instances": [{"b64": b64(digit), "x": 1}]}),
            400,
            "invalid_field",
            digit,
            tf=True,
        ),
        Case(
            "tf: deeply nested instances",
            tf_event('{"instances": ' + "[" * 50_000 + "]" * 50_000 + "}"),
            400,
            "invalid_json",
            tf=True,
        ),
        Case(
            "tf: non-utf-8 body",
            tf_event(b'{"instances": ["\xff\xfe"]}'),
            400,
            "invalid_json",
            tf=True,
        ),
        Case("tf: empty body", tf_event(None), 400, "missing_image", tf=True),
        Case(
            "tf: batch of MAX_BATCH + 1",
            tf_event({"instances": [b64(digit)] * (MAX_BATCH + 1)}),
            413,
            "batch_too_large",
            digit,
            tf=True,
        ),
        Case(
            "tf: instance just over the size limit",
            tf_event({"instances": [b64(over_limit)]}),
            413,
            "image_too_large",
            tf=True,
        ),
        Case(
            "tf: GET on predict", tf_event(None, method="GET"), 405, "method_not_allowed", tf=True
        ),
        Case(
            "tf: classify example without an image",
            tf_event({"examples": [{"caption": "x" * 40}]}, f"/v1/models/{name}:classify"),
            400,
            "invalid_field",
            b"x" * 40,
            tf=True,
        ),
        Case(
            "tf: bare strings and b64 objects mixed",
            tf_event({"instances": [b64(digit), {"b64": b64(jpeg)}]}),
            200,
            None,
            digit,
            tf=True,
        ),
        Case(
            "tf: url-safe base64 instance",
            tf_event({"instances": [b64(digit).replace("+", "-").replace("/", "_")]}),
            200,
            None,
            digit,
            tf=True,
        ),
        Case(
            "tf: curl's form content type",
            tf_event(one, headers={"content-type": "application/x-www-form-urlencoded"}),
            200,
            None,
            digit,
            tf=True,
        ),
        Case(
            "tf: percent-encoded colon",
            tf_event(one, f"/v1/models/{name}%3Apredict"),
            200,
            None,
            digit,
            tf=True,
        ),
        Case(
            "page: POST to /index.html",
            http_api_event(json.dumps({"image": b64(digit)}), path="/index.html"),
            405,
            "method_not_allowed",
            digit,
        ),
    ]


def build_corpus() -> list[Case]:
    rng = random.Random(7)
    digit = digit_png("5")
    jpeg = encode(quadrants(255, 0, 0, 255, side=64), "JPEG", quality=90)
    gif = encode(quadrants(255, 0, 0, 255, side=64), "GIF")
    frames = [gray(i % 256, (16, 16)) for i in range(3000)]
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    just_under = encode(Image.new("RGB", (1224, 1224), (30, 30, 30)), "BMP")
    assert len(just_under) <= MAX_IMAGE_BYTES
    random_bytes = bytes(rng.getrandbits(8) for _ in range(2048))
    cases = [
        # Broken image files
        image_case("empty image", b"", 400, "empty_image"),
        raw_case("zero-byte raw body", b"", "image/png", 400, "missing_image"),
        image_case("random bytes", random_bytes, 400, "invalid_image"),
        image_case(
            "png header then garbage", digit[:33] + random_bytes[:200], 400, "invalid_image"
        ),
        image_case("truncated jpeg", jpeg[: len(jpeg) // 2], 400, "invalid_image"),
        image_case("truncated png", digit[: len(digit) // 2], 400, "invalid_image"),
        image_case("truncated gif", gif[: len(gif) // 2], 400, "invalid_image"),
        # Wrong format
        image_case("png magic, jpeg body", b"\x89PNG\r\n\x1a\n" + jpeg[8:], 400, "invalid_image"),
        image_case("jpeg magic, png body", b"\xff\xd8\xff\xe0" + digit[4:], 400, "invalid_image"),
        raw_case(
            "text as image/png", b"hello, this is plain text", "image/png", 400, "invalid_image"
        ),
        raw_case(
            "html as image/jpeg",
            b"<html><body>not an image</body></html>",
            "image/jpeg",
            400,
            "invalid_image",
        ),
        image_case(
            "svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
            b'<rect width="8" height="8"/></svg>',
            400,
            "invalid_image",
        ),
        raw_case(
            "pdf as image/png",
            b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n%%EOF",
            "image/png",
            400,
            "invalid_image",
        ),
        image_case(
            "ico is not a supported format",
            encode(gray(9, (16, 16)), "ICO"),
            400,
            "unsupported_image_format",
        ),
        # Bombs
        image_case(
            "png bomb, 100000x100000 declared",
            png_declaring(100_000, 100_000),
            400,
            "image_too_many_pixels",
        ),
        image_case(
            "png bomb, 10000x10000 real zeros",
            encode(gray(0, (10_000, 10_000))),
            400,
            "image_too_many_pixels",
        ),
        image_case(
            "gif with 3000 frames",
            encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        ),
        image_case("1x100000 image", encode(gray(128, (1, 100_000)))),
        # Unusual image data
        image_case("16-bit png", encode(Image.fromarray(np.full((8, 8), 40000, np.uint16)))),
        image_case("1-bit png", encode(Image.new("1", (8, 8), 1))),
        image_case("cmyk jpeg", encode(Image.new("CMYK", (8, 8), (0, 0, 0, 200)), "JPEG")),
        image_case("palette with transparency", encode(palette, transparency=1)),
        *[image_case(f"exif orientation {o}", exif_jpeg(o)) for o in range(1, 9)],
        image_case("corrupt exif block", corrupt_exif_jpeg()),
        image_case(
            "progressive jpeg", encode(quadrants(200, 0, 0, 200, side=64), "JPEG", progressive=True)
        ),
        # Base64 edge cases
        Case(
            "url-safe base64",
            json_event({"image": b64(digit).replace("+", "-").replace("/", "_")}),
            200,
            None,
            digit,
        ),
        Case(
            "base64 without padding",
            json_event({"image": b64(digit).rstrip("=")}),
            200,
            None,
            digit,
        ),
        Case(
            "base64 with newlines",
            json_event(
                {"image": "\n".join(b64(digit)[i : i + 76] for i in range(0, len(b64(digit)), 76))}
            ),
            200,
            None,
            digit,
        ),
        Case(
            "base64 with invalid characters",
            json_event({"image": b64(digit)[:40] + "*$#"}),
            400,
            "invalid_base64",
            digit,
        ),
        Case(
            "data url with a non-image type",
            json_event({"image": f"data:application/pdf;base64,{b64(digit)}"}),
            415,
            "unsupported_media_type",
            digit,
        ),
        Case(
            "double-encoded base64",
            json_event({"image": b64(b64(digit).encode())}),
            400,
            "invalid_image",
            digit,
        ),
        # Malformed JSON
        *[
            Case(f"image as {kind}", json_event({"image": value}), 400, "invalid_field")
            for kind, value in [
                ("number", 42),
                ("null", None),
                ("list", [b64(digit)]),
                ("object", {"data": b64(digit)}),
            ]
        ],
        Case(
            "unknown field",
            json_event({"image": b64(digit), "colour": "red"}),
            400,
            "unknown_field",
            digit,
        ),
        body_case(
            "deeply nested json",
            '{"image": ' + "[" * 50_000 + "]" * 50_000 + "}",
            400,
            "invalid_json",
        ),
        body_case("json array body", json.dumps([b64(digit)]), 400, "invalid_request"),
        body_case("non-utf-8 body", b'{"image": "\xff\xfe\xfd"}', 400, "invalid_json"),
        # Size limits
        raw_case(
            "body just over the limit",
            b"\0" * (MAX_IMAGE_BYTES + 1),
            "application/octet-stream",
            413,
            "image_too_large",
        ),
        raw_case("body just under the limit", just_under, "application/octet-stream", 200, None),
        stated_length_case(
            "Content-Length over the limit, body small",
            str(MAX_IMAGE_BYTES + 1),
            413,
            "image_too_large",
        ),
        stated_length_case("Content-Length of 5000 digits", "9" * 5000, 413, "image_too_large"),
        stated_length_case("negative Content-Length", "-1", 200, None),
        stated_length_case("Content-Length in Arabic-Indic digits", "\u0663\u0660", 200, None),
        # Authorizer contexts: only a string `sub` is logged; anything else is ignored
        claims_case("JWT sub that is an object", {"sub": {"token": CLAIM_MARKER}}),
        claims_case("JWT claims that are a list", ["sub", CLAIM_MARKER]),
        claims_case("JWT claims beside the sub", {"sub": "caller-1", "email": CLAIM_MARKER}),
        Case(
            "batch of MAX_BATCH + 1",
            json_event({"images": [b64(digit)] * (MAX_BATCH + 1)}),
            413,
            "batch_too_large",
            digit,
        ),
        Case("empty batch", json_event({"images": []}), 400, "empty_batch"),
        Case(
            "batch mixing good and bad",
            json_event({"images": [b64(digit), "%%%", b64(b"junk"), b64(digit)]}),
            200,
            None,
            digit,
        ),
        # Invalid top_k
        *[
            Case(
                f"top_k {value!r}",
                json_event({"image": b64(digit), "top_k": value}),
                400,
                "invalid_top_k",
                digit,
            )
            for value in [0, -1, 10**12, "3", 2.5]
        ],
        # Invalid min_confidence: out of range, not a number, NaN, infinite, a huge integer
        *[
            Case(
                f"min_confidence {value!r}",
                json_event({"image": b64(digit), "min_confidence": value}),
                400,
                "invalid_min_confidence",
                digit,
            )
            for value in [-0.01, 1.5, "0.5", True, [0.5], float("nan"), float("inf"), 10**400]
        ],
        Case(
            "min_confidence not a number in the query",
            binary_event(digit, "image/png", query="min_confidence=0.5x"),
            400,
            "invalid_min_confidence",
            digit,
        ),
        Case(
            "min_confidence 1 flags without hiding",
            json_event({"image": b64(digit), "min_confidence": 1}),
            200,
            None,
            digit,
        ),
        # Wrong HTTP usage
        Case(
            "wrong content type",
            http_api_event(
                "image=abc", headers={"content-type": "application/x-www-form-urlencoded"}
            ),
            415,
            "unsupported_media_type",
        ),
        Case("missing body", http_api_event(None), 400, "missing_image"),
        *[
            Case(
                f"{method} on /classify",
                http_api_event(None, method=method),
                405,
                "method_not_allowed",
            )
            for method in ("GET", "PUT", "DELETE")
        ],
        Case(
            "odd header casing",
            odd_casing_event(json.dumps({"image": b64(digit)})),
            200,
            None,
            digit,
        ),
        # Regressions found while building this corpus
        Case(
            "image/png body mangled into text by the gateway",
            http_api_event(
                digit.decode("utf-8", errors="replace"), headers={"content-type": "image/png"}
            ),
            400,
            "binary_body_mangled",
            digit,
        ),
        Case(
            "unknown field name is not echoed",
            json_event({"image": b64(digit), "field_" + "q" * 40: 1}),
            400,
            "unknown_field",
            b"field_" + b"q" * 40,
        ),
        Case(
            "content type is not echoed",
            http_api_event("x", headers={"content-type": "text/" + "y" * 40}),
            415,
            "unsupported_media_type",
            b"y" * 40,
        ),
        Case(
            "unknown path is not echoed",
            http_api_event(None, path="/" + "z" * 40),
            404,
            "not_found",
            b"z" * 40,
        ),
        Case(
            "duplicate content-type headers",
            http_api_event(
                json.dumps({"image": b64(digit)}),
                headers={"content-type": "application/json,application/json"},
            ),
            200,
            None,
            digit,
        ),
        *tf_serving_cases(digit, jpeg),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases

"""Turn an image file into a Lambda event, to try your own pictures with `sls invoke local`.

scripts/make_event.py photo.jpg --shape http-v2 > event.json
npx sls invoke local -f classify -p event.json
"""

from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

SHAPES = ("http-v2", "rest-v1", "function-url", "direct", "binary", "s3")
REQUEST_TIME_EPOCH = 1767225600000
ACCOUNT = "123456789012"


def _json_body(image: bytes, top_k: int | None) -> str:
    document: dict[str, Any] = {"image": base64.b64encode(image).decode("ascii")}
    if top_k is not None:
        document["top_k"] = top_k
    return json.dumps(document)


def http_api_event(
    body: str | None,
    *,
    method: str = "POST",
    path: str = "/classify",
    headers: dict[str, str] | None = None,
    base64_encoded: bool = False,
    query: str = "",
    domain: str = "abc123defg.execute-api.us-east-1.amazonaws.com",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event; Function URLs differ only in the domain."""
    api_id = domain.split(".", 1)[0]
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}" if "execute-api" in domain else "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "accept": "application/json",
            "content-type": "application/json",
            "host": domain,
            "user-agent": "curl/8.5.0",
            "x-forwarded-proto": "https",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": f"{method} {path}" if "execute-api" in domain else "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": REQUEST_TIME_EPOCH,
        },
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


def function_url_event(body: str | None, **kwargs: Any) -> dict[str, Any]:
    return http_api_event(
        body, domain="a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-east-1.on.aws", **kwargs
    )


def rest_api_event(
    body: str | None,
    *,
    method: str = "POST",
    path: str = "/classify",
    headers: dict[str, str] | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """An API Gateway REST API proxy-integration (payload 1.0) event."""
    all_headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123defg.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    return {
        "version": "1.0",
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abc123defg",
            "httpMethod": method,
            "path": f"/dev{path}",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTimeEpoch": REQUEST_TIME_EPOCH,
            "resourcePath": path,
            "stage": "dev",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0"},
        },
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


def s3_event(bucket: str, keys: list[str], sizes: list[int] | None = None) -> dict[str, Any]:
    """An s3:ObjectCreated:Put notification; keys are URL-encoded the way S3 sends them."""
    sizes = sizes or [0] * len(keys)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "classify-uploads",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
            for key, size in zip(keys, sizes, strict=True)
        ]
    }


def build_event(
    image: bytes,
    shape: str,
    content_type: str = "image/png",
    top_k: int | None = None,
    bucket: str = "image-classifier-dev-uploads",
    key: str = "uploads/image.png",
) -> dict[str, Any]:
    if shape == "http-v2":
        return http_api_event(_json_body(image, top_k))
    if shape == "function-url":
        return function_url_event(_json_body(image, top_k))
    if shape == "rest-v1":
        return rest_api_event(_json_body(image, top_k))
    if shape == "direct":
        document: dict[str, Any] = json.loads(_json_body(image, top_k))
        return document
    if shape == "binary":
        return http_api_event(
            base64.b64encode(image).decode("ascii"),
            headers={"content-type": content_type},
            base64_encoded=True,
            query=f"top_k={top_k}" if top_k is not None else "",
        )
    if shape == "s3":
        return s3_event(bucket, [key], [len(image)])
    raise ValueError(f"unknown shape {shape}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("image", type=Path)
    parser.add_argument("--shape", choices=SHAPES, default="http-v2")
    parser.add_argument("--top-k", type=int, default=None)
    parser.add_argument("--bucket", default="image-classifier-dev-uploads", help="for --shape s3")
    parser.add_argument("--key", default=None, help="for --shape s3 (default uploads/<file name>)")
    args = parser.parse_args(argv)
    try:
        image = args.image.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.image}: {exc.strerror}", file=sys.stderr)
        return 2
    content_type = mimetypes.guess_type(args.image.name)[0] or "application/octet-stream"
    key = args.key or f"uploads/{args.image.name}"
    event = build_event(image, args.shape, content_type, args.top_k, args.bucket, key)
    json.dump(event, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Send many mixed good and bad requests through one warm handler and report RSS growth.

A leak on an error path shows up as growth between request 1,000 and the last one.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import time
from typing import Any

from classifier_bench.memory import rss_mb
from classifier_devtools.events import http_api_event


def mixed_events() -> list[dict[str, Any]]:
    from PIL import Image

    def encoded(image: Image.Image, fmt: str) -> str:
        buffer = io.BytesIO()
        image.save(buffer, fmt)
        return base64.b64encode(buffer.getvalue()).decode()

    digit = encoded(Image.effect_noise((8, 8), 60).convert("L"), "PNG")
    photo = encoded(Image.effect_noise((640, 480), 40).convert("RGB"), "JPEG")
    broken = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 200).decode()
    bomb = encoded(Image.new("L", (6000, 5000)), "PNG")
    json_events = [
        {"image": digit},
        {"image": photo, "top_k": 5},
        {"images": [digit, broken, "%%%", photo]},
        {"image": broken},
        {"image": "not base64 !"},
        {"image": bomb},
        {"image": digit, "top_k": 0},
        {"unknown": 1},
    ]
    events = [http_api_event(json.dumps(document)) for document in json_events]
    events += [
        http_api_event("{not json"),
        http_api_event(None, method="DELETE"),
        http_api_event("x", headers={"content-type": "text/plain"}),
    ]
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--mark", type=int, default=1000, help="RSS reference point")
    args = parser.parse_args()
    from classifier_devtools.paths import load_handler

    handler = load_handler()

    events = mixed_events()
    after_init = rss_mb()
    statuses: dict[int, int] = {}
    at_mark = after_init
    started = time.perf_counter()
    for i in range(1, args.requests + 1):
        response = handler.classify(events[i % len(events)])
        statuses[response["statusCode"]] = statuses.get(response["statusCode"], 0) + 1
        if i == args.mark:
            at_mark = rss_mb()
    elapsed = time.perf_counter() - started
    report = {
        "requests": args.requests,
        "rss_after_init_mb": round(after_init, 1),
        f"rss_at_{args.mark}_mb": round(at_mark, 1),
        "rss_at_end_mb": round(rss_mb(), 1),
        "growth_mb": round(rss_mb() - at_mark, 2),
        "statuses": statuses,
        "seconds": round(elapsed, 2),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The try-it page served at GET / and /index.html: one self-contained HTML file, read at init.

Its inline script and style are allowed by hash in a Content-Security-Policy computed here once,
so the page can run nothing it does not ship and talk to nothing but this function.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from image_classifier.http_messages import HttpResponse

PAGE_PATH = Path(__file__).resolve().parent / "page" / "index.html"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def _hashes(html: str, tag: str) -> str:
    digests = [
        hashlib.sha256(body.encode("utf-8")).digest()
        for kind, body in _INLINE.findall(html)
        if kind == tag
    ]
    return " ".join(f"'sha256-{base64.b64encode(d).decode('ascii')}'" for d in digests)


def content_security_policy(html: str) -> str:
    return (
        f"default-src 'none'; script-src {_hashes(html, 'script')}; "
        f"style-src {_hashes(html, 'style')}; img-src blob: data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class Page:
    """The page's text and headers, ready to answer with."""

    def __init__(self, html: str):
        self.html = html
        self.headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": content_security_policy(html),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        }

    @classmethod
    def load(cls, path: Path = PAGE_PATH) -> Page:
        return cls(path.read_text(encoding="utf-8"))

    def response(self, method: str) -> HttpResponse:
        return HttpResponse(200, {}, dict(self.headers), text="" if method == "HEAD" else self.html)

"""The most bytes a request body may state in Content-Length, checked before it is decoded.

A gateway hands the body over whole, but decoding base64 or parsing JSON still costs time and
memory; a body whose stated size already breaks the limit is refused without either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from image_classifier.errors import ClassifierError

RAW_TYPES = frozenset({"application/octet-stream"})
# Room per image in a JSON body: base64's 4/3, plus line breaks, a data: URL prefix and quoting.
JSON_BYTES_PER_IMAGE_BYTE = 2


@dataclass(frozen=True)
class BodyLimit:
    """A raw image body holds one image; a JSON body holds up to max_batch encoded ones."""

    max_image_bytes: int
    max_batch: int

    def for_media_type(self, media_type: str) -> int:
        if media_type.startswith("image/") or media_type in RAW_TYPES:
            return self.max_image_bytes
        return self.max_batch * self.max_image_bytes * JSON_BYTES_PER_IMAGE_BYTE

    def check(self, headers: Mapping[str, str], media_type: str) -> None:
        """Refuse a stated size over the limit; an absent or malformed Content-Length passes,
        and the image-size checks after decoding still apply."""
        stated = headers.get("content-length", "").strip()
        if not (stated.isascii() and stated.isdigit()):
            return
        limit = self.for_media_type(media_type)
        # int() refuses strings of thousands of digits; any size that long is over the limit.
        if len(stated) > 18 or int(stated) > limit:
            raise ClassifierError(
                f"The request body is larger than {limit} bytes.",
                code="image_too_large",
                status=413,
            )

"""A corrupted copy of a folder-per-class image set, with a manifest of every injection.

It is the audit's test bench: each injection is a defect the audit should find (a label flip,
an exact copy, a near copy, a copy filed under another class, a file that is not an image) or
a valid but unusual file it must not call unreadable (RGBA PNG, CMYK JPEG, greyscale JPEG).
Every injection uses its own originals, so one never hides another.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import sys
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from classifier_training.data import folder_source
from classifier_training.errors import TrainingInputError

MANIFEST_FILE = "corruption.json"  # at the set's root: outside every class folder
FLIP_SHARE = 0.02
EXACT_SHARE = 0.01
CONFLICT_SHARE = 0.01
NEAR_VARIANTS = ("crop", "resize", "jpeg70", "all")
NEAR_SHARE_PER_VARIANT = 0.004
UNREADABLE = {"truncated": 3, "empty": 2, "not_image": 2, "bomb": 1}
VALID = {"rgba": 3, "cmyk": 3, "grey": 3}
BOMB_SIDE = 30_000  # 900 Mpx declared


@dataclass(frozen=True)
class Injection:
    """`kind` is the audit finding it should produce (or `label_flip`, `valid`); paths are
    relative to the set's root, the original first."""

    kind: str
    paths: tuple[str, ...]
    variant: str = ""


@dataclass(frozen=True)
class Manifest:
    source: str
    seed: int
    files: int
    injections: tuple[Injection, ...]

    def of_kind(self, kind: str) -> list[Injection]:
        return [i for i in self.injections if i.kind == kind]

    def write(self, root: Path) -> None:
        document = {**asdict(self), "injections": [asdict(i) for i in self.injections]}
        (root / MANIFEST_FILE).write_text(json.dumps(document, indent=1) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        document = json.loads(path.read_text())
        return cls(
            document["source"],
            int(document["seed"]),
            int(document["files"]),
            tuple(
                Injection(i["kind"], tuple(i["paths"]), i.get("variant", ""))
                for i in document["injections"]
            ),
        )


def near_copy(data: bytes, variant: str) -> bytes:
    """A near copy: a 4% crop, a resize to 80%, a JPEG at quality 70, or all three."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    quality = 95
    if variant in ("crop", "all"):
        width, height = image.size
        dx, dy = round(width * 0.02), round(height * 0.02)
        image = image.crop((dx, dy, width - dx, height - dy))
    if variant in ("resize", "all"):
        image = image.resize(
            (round(image.width * 0.8), round(image.height * 0.8)), Image.Resampling.BILINEAR
        )
    if variant in ("jpeg70", "all"):
        quality = 70
    return _jpeg(image, quality)


def decompression_bomb() -> bytes:
    """A small PNG whose header declares BOMB_SIDE x BOMB_SIDE pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\0" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _bad_file(original: bytes, variant: str) -> bytes:
    """A `.jpg` that is not a readable image: half a JPEG, nothing, text, or a bomb."""
    if variant == "truncated":
        return original[: len(original) // 2]
    if variant == "bomb":
        return decompression_bomb()
    return b"These are notes, not a photo.\n" if variant == "not_image" else b""


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _unusual(data: bytes, variant: str) -> tuple[bytes, str]:
    """The same photo as an RGBA PNG (top band half transparent), a CMYK JPEG or a grey JPEG."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if variant == "rgba":
        rgba = image.convert("RGBA")
        alpha = np.full((image.height, image.width), 255, dtype=np.uint8)
        alpha[: max(1, image.height // 10)] = 128
        rgba.putalpha(Image.fromarray(alpha, "L"))
        buffer = io.BytesIO()
        rgba.save(buffer, "PNG")
        return buffer.getvalue(), ".png"
    return _jpeg(image.convert("CMYK" if variant == "cmyk" else "L"), 92), ".jpg"


class _Builder:
    def __init__(self, root: Path, labels: list[str], seed: int) -> None:
        self.root = root
        self.labels = labels
        self.rng = np.random.default_rng(seed)
        self.injections: list[Injection] = []

    def other_class(self, path: str) -> str:
        current = path.split("/")[0]
        choices = [label for label in self.labels if label != current]
        return choices[int(self.rng.integers(len(choices)))]

    def new_path(self, folder: str, stem: str, suffix: str) -> str:
        candidate, n = f"{folder}/{stem}{suffix}", 1
        while (self.root / candidate).exists():
            candidate, n = f"{folder}/{stem}-{n}{suffix}", n + 1
        return candidate

    def write(self, path: str, data: bytes) -> None:
        (self.root / path).write_bytes(data)

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def add(self, kind: str, paths: list[str], variant: str = "") -> None:
        self.injections.append(Injection(kind, tuple(paths), variant))


def corrupt(source: Path, destination: Path, seed: int) -> Manifest:
    """Copy `source` to `destination` (which must not exist) and inject the defects."""
    listed = folder_source(source)
    destination.mkdir(parents=True)
    for label in listed.labels:
        shutil.copytree(source / label, destination / label)
    originals = [Path(p).relative_to(source).as_posix() for p in listed.items]  # type: ignore[arg-type]
    build = _Builder(destination, listed.labels, seed)
    count = len(originals)
    pool = [originals[i] for i in build.rng.permutation(count)]

    def take(n: int) -> list[str]:
        taken = pool[:n]
        del pool[:n]
        return taken

    for path in take(round(FLIP_SHARE * count)):
        target = build.other_class(path)
        stem, suffix = Path(path).stem, Path(path).suffix
        moved = build.new_path(target, stem, suffix)
        (destination / path).rename(destination / moved)
        build.add("label_flip", [moved], f"{path.split('/')[0]}->{target}")
    for path in take(round(EXACT_SHARE * count)):
        copy = build.new_path(path.split("/")[0], Path(path).stem + "-copy", Path(path).suffix)
        build.write(copy, build.read(path))
        build.add("exact_duplicate", [path, copy])
    for variant in NEAR_VARIANTS:
        for path in take(max(1, round(NEAR_SHARE_PER_VARIANT * count))):
            copy = build.new_path(path.split("/")[0], f"{Path(path).stem}-{variant}", ".jpg")
            build.write(copy, near_copy(build.read(path), variant))
            build.add("near_duplicate", [path, copy], variant)
    for number, path in enumerate(take(round(CONFLICT_SHARE * count))):
        variant = "exact" if number % 2 == 0 else "near"
        suffix = Path(path).suffix if variant == "exact" else ".jpg"
        copy = build.new_path(build.other_class(path), f"{Path(path).stem}-moved", suffix)
        data = build.read(path)
        build.write(copy, data if variant == "exact" else near_copy(data, "all"))
        build.add("conflicting_labels", [path, copy], variant)
    for variant, n in UNREADABLE.items():
        for path in take(n):
            bad = build.new_path(path.split("/")[0], f"{variant}-{Path(path).stem}", ".jpg")
            data = _bad_file(build.read(path), variant)
            build.write(bad, data)
            build.add("unreadable", [bad], variant)
    for variant, n in VALID.items():
        for path in take(n):
            data, suffix = _unusual(build.read(path), variant)
            (destination / path).unlink()
            converted = build.new_path(path.split("/")[0], f"{Path(path).stem}-{variant}", suffix)
            build.write(converted, data)
            build.add("valid", [converted], variant)
    files = sum(1 for p in destination.rglob("*") if p.is_file())
    manifest = Manifest(str(source), seed, files, tuple(build.injections))
    manifest.write(destination)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """scripts/make_corrupted_set.py SRC DST --seed N"""
    import argparse
    from collections import Counter

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="a folder-per-class image set")
    parser.add_argument("destination", type=Path, help="a new folder (must not exist)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.destination.exists():
        parser.error(f"{args.destination} exists: give a new folder")
    try:
        manifest = corrupt(args.source, args.destination, args.seed)
    except TrainingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    kinds = Counter(i.kind for i in manifest.injections)
    print(
        f"{manifest.files} files; injected {dict(kinds)}; "
        f"manifest {args.destination / MANIFEST_FILE}"
    )
    return 0

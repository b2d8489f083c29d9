"""--weights PATH and imagenet: a no-top file loads (unverified), a wrong file is refused, the
offline download fails with the file's name, and a pre-seeded Keras cache is used."""

from __future__ import annotations

import hashlib
import json

import h5py
import pytest

from classifier_training import cli
from tests.training.conftest import photo_folder

pytestmark = pytest.mark.slow


def no_top_file(path, keras_name, size):
    """A no-top weights file in Keras' download format, saved from a weights=None model."""
    import keras
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    options = {"include_top": False, "weights": None, "input_shape": (size, size, 3)}
    if keras_name.startswith("MobileNetV3"):
        options["include_preprocessing"] = True
    model = getattr(keras.applications, keras_name)(**options)
    with h5py.File(path, "w") as handle:
        save_weights_to_hdf5_group(handle, model)
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return photo_folder(tmp_path_factory.mktemp("photos"), classes=2, per_class=12, side=40)


def train(photos, output, *extra):
    return cli.main(
        [
            "--data-dir", str(photos),
            "--image-size", "32",
            "--epochs", "1",
            "--batch-size", "8",
            "--no-augment",
            "--output", str(output),
            *extra,
        ]
    )  # fmt: skip


def test_a_no_top_file_loads_fine_tunes_and_is_marked_unverified(photos, tmp_path, capsys):
    weights = no_top_file(tmp_path / "v3s.h5", "MobileNetV3Small", 32)
    output = tmp_path / "model"
    code = train(
        photos, output, "--backbone", "mobilenet_v3_small", "--weights", str(weights),
        "--fine-tune", "12", "--fine-tune-epochs", "1",
    )  # fmt: skip
    assert code == 0
    assert "md5 differs" in capsys.readouterr().err
    card = json.loads((output / "metadata.json").read_text())
    assert card["backbone"]["weights"] == {
        "source": "file",
        "file": "v3s.h5",
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "verified": False,
        "note": "md5 differs from Keras' hash for "
        "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
        "package": None,
        "package_version": None,
    }
    phases = card["training"]["phases"]
    assert [p["phase"] for p in phases] == ["head", "fine-tune"]
    assert phases[1]["trains"].startswith("the backbone's top 12 layers")
    assert card["parity"]["max_abs_diff"] <= 1e-5


def test_a_file_for_another_backbone_is_refused(photos, tmp_path, capsys):
    weights = no_top_file(tmp_path / "v2.h5", "MobileNetV2", 32)
    output = tmp_path / "model"
    code = train(photos, output, "--backbone", "mobilenet_v3_small", "--weights", str(weights))
    assert code == 2
    assert "does not fit backbone mobilenet_v3_small" in capsys.readouterr().err
    assert not output.exists()


def test_fine_tuning_more_layers_than_the_backbone_has_is_refused(photos, tmp_path, capsys):
    weights = no_top_file(tmp_path / "v3s.h5", "MobileNetV3Small", 32)
    output = tmp_path / "model"
    code = train(
        photos, output, "--backbone", "mobilenet_v3_small", "--weights", str(weights),
        "--fine-tune", "5000",
    )  # fmt: skip
    assert code == 2
    assert "--fine-tune 5000 is more than the" in capsys.readouterr().err
    assert not output.exists()


def test_imagenet_offline_names_the_file_and_the_ways_round(photos, tmp_path, capsys, monkeypatch):
    # A closed local port as the proxy: the download fails at once, as with no network.
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    output = tmp_path / "model"
    code = train(photos, output, "--backbone", "mobilenet_v3_small", "--weights", "imagenet")
    assert code == 2
    error = capsys.readouterr().err
    assert "could not download weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5" in error
    assert "--weights /path/to/weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5" in error
    assert "--weights none" in error
    assert not output.exists()


def test_a_preseeded_keras_cache_serves_imagenet_without_a_download(photos, tmp_path, monkeypatch):
    # Keras records no hash for MobileNetV2's files, so a cached file is used as it is.
    home = tmp_path / "keras"
    (home / "models").mkdir(parents=True)
    cached = home / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    no_top_file(cached, "MobileNetV2", 96)
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    output = tmp_path / "model"
    code = train(
        photos, output, "--backbone", "mobilenet_v2", "--weights", "imagenet",
        "--image-size", "96",
    )  # fmt: skip
    assert code == 0
    weights = json.loads((output / "metadata.json").read_text())["backbone"]["weights"]
    assert weights["source"] == "imagenet" and weights["verified"] is False
    assert weights["sha256"] == hashlib.sha256(cached.read_bytes()).hexdigest()

"""The training CLI end to end: artifacts, model card, parity, folder datasets, bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from classifier_devtools.digits import export_digits
from classifier_training import cli as train
from classifier_training.backbones import get_backbone
from tests.support.factories import ROOT, encode, gray

FAST = ["--epochs", "3", "--limit", "400", "--patience", "2"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    output = tmp_path_factory.mktemp("run") / "model"
    result = run_cli(*FAST, "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    return output, result.stdout


@pytest.mark.slow
def test_cli_prints_every_step_and_keras_epochs(trained):
    _, stdout = trained
    for number, name in enumerate(train.STEPS, start=1):
        assert f"[{number}/{len(train.STEPS)}] {name}:" in stdout
    assert "Epoch 1/3" in stdout


@pytest.mark.slow
def test_writes_every_artifact(trained):
    output, _ = trained
    names = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    assert names == {
        "model.onnx",
        "model.keras",
        "labels.json",
        "metadata.json",
        "report/curves.png",
        "report/confusion.png",
        "report/f1.png",
        "report/errors.png",
        "report/report.md",
        "report/audit.json",
    }
    assert json.loads((output / "labels.json").read_text()) == [str(i) for i in range(10)]
    report = (output / "report" / "report.md").read_text()
    assert "| cnn |" in report and "![worst test errors" in report


@pytest.mark.slow
def test_metadata_card_has_every_field(trained):
    output, _ = trained
    card = json.loads((output / "metadata.json").read_text())
    assert {
        "name",
        "version",
        "created_at",
        "git_commit",
        "input",
        "labels",
        "backbone",
        "dataset",
        "training",
        "monitoring",
        "metrics",
        "parity",
        "frameworks",
        "model_sha256",
        "audit",
    } <= set(card)
    assert card["input"] == {
        "height": 8,
        "width": 8,
        "channels": 1,
        "color_mode": "L",
        "resize": "bilinear",
        "background": 0,
    }
    assert card["backbone"]["name"] == "cnn" and card["backbone"]["weights"] == {"source": "none"}
    training = card["training"]
    assert training["augmentation"] == {"enabled": False}
    assert [p["phase"] for p in training["phases"]] == ["from scratch"]
    assert card["dataset"]["name"] == "sklearn-digits" and len(card["dataset"]["cache_key"]) == 32
    assert len(card["dataset"]["content_hash"]) == 64
    assert sum(card["dataset"]["splits"].values()) == 400
    assert training["phases"][0]["max_epochs"] == 3 and training["seed"] == 42
    metrics = card["metrics"]
    assert 0 <= metrics["test_accuracy"] <= 1 and 0 <= metrics["baseline_accuracy"] <= 1
    assert set(metrics["per_class"]) == set(card["labels"]) and 0 <= metrics["macro_f1"] <= 1
    assert {"precision", "recall", "f1", "support"} == set(metrics["per_class"]["0"])
    assert set(card["frameworks"]) == {
        "tensorflow",
        "keras",
        "tf2onnx",
        "onnx",
        "onnxruntime",
        "opset",
    }
    assert card["frameworks"]["opset"] == 17
    onnx_bytes = (output / "model.onnx").read_bytes()
    assert card["model_sha256"] == hashlib.sha256(onnx_bytes).hexdigest()


@pytest.mark.slow
def test_monitoring_records_test_class_counts_and_top_scores(trained):
    output, _ = trained
    card = json.loads((output / "metadata.json").read_text())
    monitoring = card["monitoring"]
    test_size = card["dataset"]["splits"]["test"]
    assert set(monitoring) == {"test_class_counts", "test_top_scores"}
    assert list(monitoring["test_class_counts"]) == card["labels"]
    assert sum(monitoring["test_class_counts"].values()) == test_size
    scores = monitoring["test_top_scores"]
    assert len(scores) == min(test_size, 1000)
    assert all(1 / len(card["labels"]) <= s <= 1 and round(s, 4) == s for s in scores)


@pytest.mark.slow
def test_parity_is_recorded_within_bounds(trained):
    output, _ = trained
    parity = json.loads((output / "metadata.json").read_text())["parity"]
    assert parity["max_abs_diff"] <= 1e-5 and parity["top1_agreement"] == 1.0
    assert parity["samples"] > 0


@pytest.mark.slow
def test_onnx_graph_has_named_io_and_dynamic_batch(trained):
    import onnx

    output, _ = trained
    graph = onnx.load(output / "model.onnx").graph
    assert [i.name for i in graph.input] == ["image"]
    assert [o.name for o in graph.output] == ["probabilities"]
    batch = graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param and not batch.dim_value


@pytest.mark.slow
def test_serving_loads_what_training_wrote(trained):
    from image_classifier.model import Classifier

    output, _ = trained
    served = Classifier.load(output)
    assert served.labels == [str(i) for i in range(10)] and served.spec.shape == (8, 8, 1)


def test_committed_default_model_meets_its_targets():
    card = json.loads((ROOT / "model" / "metadata.json").read_text())
    assert card["metrics"]["test_accuracy"] >= 0.98
    assert card["metrics"]["test_accuracy"] > card["metrics"]["baseline_accuracy"]
    assert card["parity"]["max_abs_diff"] <= 1e-5 and card["parity"]["top1_agreement"] == 1.0
    assert card["dataset"]["images"] == 1797


@pytest.mark.slow
def test_retraining_with_the_same_seed_reproduces_the_committed_accuracy(tmp_path):
    committed = json.loads((ROOT / "model" / "metadata.json").read_text())["metrics"]
    result = run_cli("--output", str(tmp_path / "model"))
    assert result.returncode == 0, result.stderr[-2000:]
    retrained = json.loads((tmp_path / "model" / "metadata.json").read_text())["metrics"]
    assert abs(retrained["test_accuracy"] - committed["test_accuracy"]) <= 0.005


@pytest.mark.slow
def test_trains_on_a_folder_dataset(tmp_path):
    export_digits(tmp_path / "data", per_class=30, scale=2)
    (tmp_path / "data" / "3" / "notes.txt").write_text("not an image")
    (tmp_path / "data" / "4" / "broken.png").write_bytes(b"\x89PNG broken")
    output = tmp_path / "model"
    result = run_cli(
        "--data-dir",
        str(tmp_path / "data"),
        "--backbone",
        "cnn",
        "--epochs",
        "2",
        "--image-size",
        "12",
        "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "warning: skipping" in result.stderr and "notes.txt" in result.stderr
    assert "broken.png" in result.stderr
    assert "note: every image is greyscale; it is converted to RGB" in result.stdout
    card = json.loads((output / "metadata.json").read_text())
    assert card["labels"] == [str(i) for i in range(10)]
    assert card["dataset"]["skipped_files"] == 2 and card["dataset"]["images"] == 300
    assert card["input"]["height"] == 12 and card["input"]["color_mode"] == "RGB"
    assert card["training"]["augmentation"]["enabled"] is True


def folder(root, counts, make=lambda i: encode(gray(i * 10 % 255))):
    root.mkdir(parents=True)
    for label, count in counts.items():
        (root / label).mkdir(parents=True)
        for i in range(count):
            (root / label / f"{i}.png").write_bytes(make(i))
    return root


def crafted_pth(folder):
    """A pickle that would create a file if anything unpickled it unrestricted."""
    import os
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {folder / 'pwned'}",))

    path = folder / "crafted.pth"
    path.write_bytes(pickle.dumps(Payload(), protocol=2))
    return path


def truncated_official(folder):
    """The first half of the official file, under its torch-hub name."""
    from classifier_training.torch_weights import package_file

    official, _ = package_file(get_backbone("efficientnet_lite0").torch_weights)
    path = folder / official.name
    path.write_bytes(official.read_bytes()[:1000])
    return path


BAD_INPUTS = {
    "missing data dir": (lambda t: ["--data-dir", str(t / "absent")], "does not exist"),
    "empty data dir": (lambda t: ["--data-dir", str(folder(t / "d", {}))], "at least two class"),
    "one class": (lambda t: ["--data-dir", str(folder(t / "d", {"a": 9}))], "at least two class"),
    "too few images in a class": (
        lambda t: ["--data-dir", str(folder(t / "d", {"a": 9, "b": 2}))],
        "fewer than 5 images cannot be split",
    ),
    "nothing readable": (
        lambda t: ["--data-dir", str(folder(t / "d", {"a": 3, "b": 3}, lambda i: b"junk"))],
        "no readable images",
    ),
    "output is a file": (
        lambda t: ["--output", str((t / "f").write_text("x") and t / "f")],
        "not a directory",
    ),
    "unknown backbone": (lambda t: ["--backbone", "resnet50"], "unknown backbone 'resnet50'"),
    "missing weights file": (
        lambda t: ["--backbone", "mobilenet_v2", "--weights", str(t / "none.h5")],
        "no such file",
    ),
    "corrupt weights file": (
        lambda t: [
            "--backbone",
            "efficientnet_b0",
            "--weights",
            str((t / "w.h5").write_bytes(b"\x89HDF garbage") and t / "w.h5"),
        ],
        "not an HDF5",
    ),
    "weights for the cnn": (lambda t: ["--weights", "imagenet"], "trains from scratch"),
    "image size too small": (
        lambda t: ["--backbone", "mobilenet_v3_large", "--image-size", "16"],
        "too small for backbone mobilenet_v3_large",
    ),
    "image size without imagenet weights": (
        lambda t: ["--backbone", "mobilenet_v2", "--weights", "imagenet", "--image-size", "100"],
        "no pretrained weights for backbone mobilenet_v2",
    ),
    "fine-tuning from scratch": (
        lambda t: ["--backbone", "mobilenet_v2", "--fine-tune", "10"],
        "--fine-tune needs pretrained weights",
    ),
    "lite image size too large": (
        lambda t: ["--backbone", "efficientnet_lite0", "--image-size", "1024"],
        "too large for backbone efficientnet_lite0",
    ),
    "lite from scratch": (
        lambda t: ["--backbone", "efficientnet_lite1", "--weights", "none"],
        "--backbone cnn --weights none",
    ),
    "lite fine-tuning more blocks than it has above the cache": (
        lambda t: ["--backbone", "efficientnet_lite0", "--fine-tune", "9"],
        "fine-tunes at most its top 5 blocks",
    ),
    "crafted .pth": (
        lambda t: ["--backbone", "efficientnet_lite0", "--weights", str(crafted_pth(t))],
        "refused to load the global posix.system",
    ),
    "truncated hub-named .pth": (
        lambda t: [
            "--backbone",
            "efficientnet_lite0",
            "--weights",
            str(truncated_official(t)),
        ],
        "its name says sha256 57934424",
    ),
    "augmentation out of range": (
        lambda t: ["--data-dir", str(t), "--backbone", "cnn", "--zoom", "1.5"],
        "--zoom must be from 0",
    ),
    "output under a file": (
        lambda t: ["--output", str((t / "f").write_text("x") and t / "f" / "model")],
        "is not writable",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, case):
    make_args, message = BAD_INPUTS[case]
    args = make_args(tmp_path)
    if "--output" not in args:
        args += ["--output", str(tmp_path / "out")]
    assert train.main(args) == 2
    err = capsys.readouterr().err
    assert any(line.startswith("error: ") and message in line for line in err.splitlines())
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "pwned").exists()


def test_invalid_option_exits_2():
    with pytest.raises(SystemExit) as exit_info:
        train.parse_args(["--epochs", "0"])
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_the_cli_and_its_errors_load_without_tensorflow():
    """Bad arguments are refused before the seconds TensorFlow takes to import."""
    script = (
        "import sys, classifier_training.cli, classifier_training.errors; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'tf2onnx') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

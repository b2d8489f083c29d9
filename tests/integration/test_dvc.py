"""The DVC pipeline, run by the real DVC CLI in a temporary git repository on a generated photo
set: `dvc repro` trains, a second one does nothing, a changed parameter re-runs only the stages
that depend on it, and `dvc exp show` lines the runs up with their card's figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from PIL import Image

from classifier_training.dvc_stages import flags
from image_classifier.model_card import ModelCard
from tests.support.factories import ROOT

# What the pipeline needs from this checkout: its files, and the code the train stage hashes.
PIPELINE_FILES = [
    "dvc.yaml",
    "params.yaml",
    ".dvcignore",
    ".gitignore",
    ".dvc/config",
    "scripts/dvc_stage.py",
    "scripts/promote.py",
]
CODE = ["tools/classifier_training", "src/image_classifier"]
# The default recipe overridden for speed: a small CNN on 16x16 images, one epoch.
FAST = {"backbone": "cnn", "weights": "none", "epochs": 1, "image_size": 16}
COLOURS = {"red": (200, 50, 40), "green": (40, 170, 60), "blue": (50, 60, 210)}
METRICS = "build/pipeline/metrics.json"


def write_photos(root: Path, per_class: int = 20, side: int = 24) -> None:
    """Noisy squares, one dominant colour per class: learnable from a few dozen images."""
    rng = np.random.default_rng(7)
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True)
        for index in range(per_class):
            pixels = rng.normal(colour, 45, (side, side, 3)) * rng.uniform(0.7, 1.2)
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            image.save(root / name / f"{index:02d}.png")


@dataclass
class Story:
    """Everything the pipeline did in the temporary repository, in order."""

    repo: Path
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    second_seconds: float
    baseline_rev: str
    experiment: subprocess.CompletedProcess[str]
    shown: list[dict[str, Any]]
    card: dict[str, Any]
    promoted: subprocess.CompletedProcess[str]


def run(repo: Path, env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    repo = tmp_path_factory.mktemp("dvc-repo")
    venv_bin = str(Path(sys.executable).parent)  # `python` in the stage commands, and `dvc`
    env = {
        **os.environ,
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
        "CLASSIFIER_CACHE_DIR": str(tmp_path_factory.mktemp("image-cache")),
        "DVC_SITE_CACHE_DIR": str(tmp_path_factory.mktemp("dvc-site")),
        "DVC_NO_ANALYTICS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }

    def sh(*command: str) -> subprocess.CompletedProcess[str]:
        return run(repo, env, *command)

    sh("git", "init", "-q")
    sh("dvc", "init", "-q")
    for name in PIPELINE_FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, repo / name)
    for folder in CODE:
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    write_photos(repo / "data" / "photos")
    sh("dvc", "add", "-q", "data/photos")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"].update(FAST)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh("git", "add", "-A")
    sh("git", "commit", "-q", "-m", "pipeline and photos")

    first = sh("dvc", "repro")
    started = time.perf_counter()
    second = sh("dvc", "repro")
    second_seconds = time.perf_counter() - started
    print(f"second dvc repro (nothing changed): {second_seconds:.1f} s")
    sh("git", "add", "dvc.lock")
    sh("git", "commit", "-q", "-m", "first run")
    baseline_rev = sh("git", "rev-parse", "HEAD").stdout.strip()

    experiment = sh("dvc", "exp", "run", "-S", "train.epochs=2")
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    card = ModelCard.load(repo / "build/pipeline/model").metadata

    # Back to the first run's files, then promote the experiment: it must come back whole.
    sh("git", "checkout", "--", "params.yaml", "dvc.lock")
    sh("dvc", "checkout", "-q")
    name = experiment_names(shown)[0]
    promoted = sh(sys.executable, "scripts/promote.py", "--experiment", name)
    return Story(
        repo, first, second, second_seconds, baseline_rev, experiment, shown, card, promoted
    )


def ran(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The stages DVC ran, from its "Running stage 'name':" lines."""
    lines = result.stdout.splitlines()
    return [line.split("'")[1] for line in lines if line.startswith("Running stage")]


def experiment_names(shown: list[dict[str, Any]]) -> list[str]:
    return [exp["name"] for row in shown for exp in row.get("experiments") or []]


def metrics_of(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data["metrics"][METRICS]["data"])


def epochs_of(data: dict[str, Any]) -> int:
    return int(data["params"]["params.yaml"]["data"]["train"]["epochs"])


@pytest.mark.slow
def test_repro_trains_every_stage_into_the_pipeline_folder(story: Story) -> None:
    assert ran(story.first) == ["data", "train", "metrics"]
    metrics = json.loads((story.repo / METRICS).read_text())
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["train_seconds"] > 0
    assert (story.repo / "build/pipeline/plots/curves.png").stat().st_size > 0
    assert (story.repo / "build/pipeline/plots/confusion.png").stat().st_size > 0


@pytest.mark.slow
def test_a_second_repro_with_nothing_changed_runs_nothing(story: Story) -> None:
    assert ran(story.second) == []
    assert "Data and pipelines are up to date." in story.second.stdout


@pytest.mark.slow
def test_a_changed_training_parameter_reruns_only_the_stages_that_depend_on_it(story: Story):
    assert ran(story.experiment) == ["train", "metrics"]
    assert "Stage 'data' didn't change, skipping" in story.experiment.stdout


@pytest.mark.slow
def test_exp_show_lists_both_runs_with_the_cards_accuracy_and_data_hash(story: Story) -> None:
    baseline = next(row for row in story.shown if row["rev"] == story.baseline_rev)
    experiments = [rev for exp in baseline["experiments"] for rev in exp["revs"]]
    assert len(experiments) == 1
    first, second = baseline["data"], experiments[0]["data"]
    assert (epochs_of(first), epochs_of(second)) == (1, 2)
    data_hash = story.card["dataset"]["content_hash"]
    for run_data in (first, second):
        assert data_hash.startswith(metrics_of(run_data)["data_hash"])
        assert 0 <= metrics_of(run_data)["test_accuracy"] <= 1
    # The experiment's row holds the card it trained (read after `dvc exp run`).
    assert metrics_of(second)["test_accuracy"] == story.card["metrics"]["test_accuracy"]
    assert metrics_of(second)["epochs_run"] == story.card["metrics"]["epochs_run"]


@pytest.mark.slow
def test_promote_restores_the_chosen_experiment_and_copies_it_to_model(story: Story) -> None:
    promoted = ModelCard.load(story.repo / "model")
    assert promoted.metadata["training"]["phases"][0]["max_epochs"] == 2
    assert promoted.metadata["model_sha256"] == story.card["model_sha256"]
    assert "promoted" in story.promoted.stdout


def test_promote_refuses_a_folder_whose_card_does_not_load(tmp_path: Path) -> None:
    from classifier_training.promote import main

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metadata.json").write_text("{not json")
    served = tmp_path / "model"
    served.mkdir()
    (served / "labels.json").write_text('["a", "b"]')
    code = main(["--source", str(tmp_path / "run"), "--target", str(served)])
    assert code == 2
    assert [p.name for p in served.iterdir()] == ["labels.json"]


def test_params_map_onto_train_py_flags() -> None:
    section = {"backbone": "cnn", "image_size": 16, "augment": False, "fine_tune": None}
    assert flags(section) == ["--backbone", "cnn", "--image-size", "16", "--no-augment"]


def test_the_default_recipe_is_in_params_yaml() -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert params["data"]["dir"] == "data/photos"
    assert params["train"]["backbone"] == "efficientnet_lite0"
    assert params["train"]["weights"] == "imagenet"
    assert set(FAST) <= set(params["train"])


@pytest.mark.slow
def test_training_and_its_stage_commands_never_import_dvc() -> None:
    code = (
        "import sys\n"
        "sys.modules['dvc'] = None\n"  # any `import dvc` now fails
        "import classifier_training.cli, classifier_training.dvc_stages\n"
        "import classifier_training.pipeline, classifier_training.promote\n"
        "assert not [m for m in sys.modules if m.startswith('dvc') and m != 'dvc']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

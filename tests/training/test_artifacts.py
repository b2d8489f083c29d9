"""Atomic output: a model directory is replaced whole or not at all, and refused before any
work when it cannot be written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from classifier_training.artifacts import check_writable, write_atomically
from classifier_training.errors import TrainingInputError

FAILURES = [OSError("disk full"), KeyboardInterrupt()]


def previous_model(tmp_path: Path) -> Path:
    output = tmp_path / "model"
    output.mkdir()
    (output / "keep.txt").write_text("previous model")
    return output


def assert_untouched(output: Path) -> None:
    """The previous model as it was, and nothing left beside it (no staging directories)."""
    assert [p.name for p in output.iterdir()] == ["keep.txt"]
    assert (output / "keep.txt").read_text() == "previous model"
    assert [p.name for p in output.parent.iterdir()] == ["model"]


def fails_halfway(error: BaseException):
    def build(directory: Path) -> None:
        (directory / "half.bin").write_bytes(b"written before the failure")
        raise error

    return build


def test_a_complete_build_replaces_the_previous_model_whole(tmp_path):
    output = previous_model(tmp_path)

    def build(directory: Path) -> None:
        assert directory.parent == tmp_path and directory != output
        assert (output / "keep.txt").exists()  # the previous model serves until the swap
        (directory / "new.txt").write_text("new model")

    write_atomically(output, build)
    assert [p.name for p in output.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert output.stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("error", FAILURES, ids=["OSError", "KeyboardInterrupt"])
def test_a_build_that_fails_halfway_leaves_the_previous_model_untouched(tmp_path, error):
    output = previous_model(tmp_path)
    with pytest.raises(type(error)):
        write_atomically(output, fails_halfway(error))
    assert_untouched(output)


@pytest.mark.parametrize("error", FAILURES, ids=["OSError", "KeyboardInterrupt"])
def test_a_first_build_that_fails_leaves_nothing(tmp_path, error):
    with pytest.raises(type(error)):
        write_atomically(tmp_path / "model", fails_halfway(error))
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_during_the_swap_puts_the_previous_model_back(tmp_path, monkeypatch):
    output = previous_model(tmp_path)
    rename = Path.rename

    def interrupted(self: Path, target: Path) -> Path:
        if Path(target) == output and self.name.startswith(".model."):
            raise KeyboardInterrupt  # after the previous model moved aside, before the new one
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(output, lambda directory: (directory / "new.txt").write_text("new"))
    assert_untouched(output)


def test_a_new_or_existing_directory_in_a_writable_folder_may_be_written(tmp_path):
    check_writable(tmp_path / "new")
    check_writable(previous_model(tmp_path))


def test_a_file_in_the_outputs_place_is_refused(tmp_path):
    (tmp_path / "model").write_text("not a directory")
    with pytest.raises(TrainingInputError, match="exists and is not a directory"):
        check_writable(tmp_path / "model")


def test_a_missing_parent_folder_is_refused(tmp_path):
    with pytest.raises(TrainingInputError, match="is not writable"):
        check_writable(tmp_path / "absent" / "model")


@pytest.mark.parametrize("denied", ["parent", "output"])
def test_a_folder_without_write_permission_is_refused(tmp_path, monkeypatch, denied):
    # os.access is answered for the denied folder as for a read-only one: the tests may run
    # as root, for whom a chmod does not take write permission away.
    output = previous_model(tmp_path)
    refused = tmp_path if denied == "parent" else output
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != refused and access(path, mode)
    )
    with pytest.raises(TrainingInputError, match="is not writable"):
        check_writable(output)

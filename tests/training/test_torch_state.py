"""The restricted reader of torch's legacy state dicts: exact arrays out, nothing executed."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from classifier_training.torch_state import (
    MAGIC_NUMBER,
    PROTOCOL_VERSION,
    StateDictError,
    read_state_dict,
)
from tests.support.legacy_torch import legacy_bytes


def test_reads_every_tensor_exactly_with_its_dtype_and_shape():
    rng = np.random.default_rng(0)
    state = {
        "conv.weight": rng.normal(size=(4, 3, 3, 3)).astype(np.float32),
        "bn.num_batches_tracked": np.array(7, dtype=np.int64),
        "half": rng.normal(size=(5,)).astype(np.float16),
        "double": rng.normal(size=(2, 2)),
    }
    loaded = read_state_dict(legacy_bytes(state))
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)


def test_a_view_into_a_shared_storage_reads_its_own_elements():
    owner = np.arange(24, dtype=np.float32)
    state = {"owner": owner, "view": owner[6:18].reshape(3, 4)}
    loaded = read_state_dict(legacy_bytes(state, views={"view": ("owner", 6)}))
    np.testing.assert_array_equal(loaded["view"], owner[6:18].reshape(3, 4))


class _WritesAFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


class _OpensAFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _header() -> bytes:
    info = {"protocol_version": PROTOCOL_VERSION, "little_endian": True}
    return b"".join(pickle.dumps(v, protocol=2) for v in (MAGIC_NUMBER, PROTOCOL_VERSION, info))


@pytest.mark.parametrize("payload", [_WritesAFile, _OpensAFile])
def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path, payload):
    marker = tmp_path / "pwned"
    for data in (
        _header() + pickle.dumps({"x": payload(str(marker))}, protocol=2),
        pickle.dumps(payload(str(marker)), protocol=2),
    ):
        with pytest.raises(StateDictError, match="refused to load the global"):
            read_state_dict(data)
    assert not marker.exists()


def test_a_truncated_file_is_refused_at_every_length():
    data = legacy_bytes({"w": np.arange(10, dtype=np.float32), "b": np.ones(3, np.float32)})
    for length in range(0, len(data), 7):
        with pytest.raises(StateDictError):
            read_state_dict(data[:length])


def test_a_tensor_reaching_past_its_storage_is_refused():
    owner = np.arange(8, dtype=np.float32)
    data = legacy_bytes({"owner": owner, "view": owner[4:8]}, views={"view": ("owner", 6)})
    with pytest.raises(StateDictError, match="past its storage"):
        read_state_dict(data)


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04zipfile", pickle.dumps(12345)])
def test_not_a_legacy_file(data):
    with pytest.raises(StateDictError, match="not a legacy torch file"):
        read_state_dict(data)

"""Read a PyTorch state dict saved in torch's legacy (pre-zip) format, without torch.

The file is five pickles and raw storage bytes: magic number, protocol, system info, the dict
(whose tensors name their storages by persistent id), the list of storage keys, then each
storage as an 8-byte little-endian element count and its bytes. Unpickling arbitrary data can
run any code, so the unpickler answers only the names `torch.load(weights_only=True)` allows
for such a file: the tensor-rebuild function, the storage types and `OrderedDict`.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}
REBUILD_TENSOR = ("torch._utils", "_rebuild_tensor_v2")


class StateDictError(ValueError):
    """The file is not a legacy torch state dict this reader accepts (truncated or crafted)."""


@dataclass(frozen=True)
class _StorageType:
    name: str

    @property
    def dtype(self) -> np.dtype[Any]:
        return STORAGE_DTYPES[self.name]


@dataclass(frozen=True)
class _Storage:
    key: str
    dtype: np.dtype[Any]
    numel: int


@dataclass(frozen=True)
class _TensorRef:
    """A tensor as the pickle describes it; its bytes come after the pickles."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_rest: Any) -> _TensorRef:
    if not isinstance(storage, _Storage):
        raise StateDictError("a tensor refers to something other than a storage")
    try:
        shape = tuple(int(s) for s in size)
        strides = tuple(int(s) for s in stride)
        start = int(offset)
    except (TypeError, ValueError) as exc:
        raise StateDictError("a tensor has a malformed size, stride or offset") from exc
    if len(shape) != len(strides) or min((*shape, *strides, start, 0)) < 0:
        raise StateDictError("a tensor has a malformed size, stride or offset")
    return _TensorRef(storage, start, shape, strides)


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals a legacy state dict needs; every other name is refused."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == REBUILD_TENSOR:
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise StateDictError(f"refused to load the global {module}.{name}: not a plain state dict")

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise StateDictError("unexpected persistent id: not a storage reference")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType) or not isinstance(key, str):
            raise StateDictError("a storage reference names no storage type")
        if not isinstance(numel, int) or numel < 0:
            raise StateDictError("a storage reference has a bad element count")
        storage = self.storages.setdefault(key, _Storage(key, storage_type.dtype, numel))
        if storage.dtype != storage_type.dtype:
            raise StateDictError(f"storage {key} is declared with two element types")
        return storage


def _load_pickle(handle: IO[bytes], unpickler: _RestrictedUnpickler | None = None) -> Any:
    reader = unpickler or _RestrictedUnpickler(handle)
    try:
        return reader.load()
    except StateDictError:
        raise
    except Exception as exc:  # truncated or garbled pickles raise many kinds
        raise StateDictError(f"not a legacy torch file ({type(exc).__name__})") from exc


def read_state_dict(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a legacy-format state dict, by name, as numpy arrays (copies)."""
    handle = io.BytesIO(data)
    if _load_pickle(handle) != MAGIC_NUMBER:
        raise StateDictError("not a legacy torch file (wrong magic number)")
    if _load_pickle(handle) != PROTOCOL_VERSION:
        raise StateDictError("unsupported torch file protocol version")
    info = _load_pickle(handle)
    if not isinstance(info, dict) or info.get("little_endian") is not True:
        raise StateDictError("only little-endian torch files are supported")
    unpickler = _RestrictedUnpickler(handle)
    state = _load_pickle(handle, unpickler)
    keys = _load_pickle(handle)
    if not isinstance(state, dict) or not isinstance(keys, list):
        raise StateDictError("the file does not hold a state dict")
    buffers = _read_storages(handle, keys, unpickler.storages)
    tensors: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if not isinstance(name, str) or not isinstance(value, _TensorRef):
            raise StateDictError("the state dict holds something other than named tensors")
        tensors[name] = _materialise(value, buffers[value.storage.key])
    return tensors


def read_state_dict_file(path: Path) -> dict[str, np.ndarray]:
    return read_state_dict(path.read_bytes())


def _read_storages(
    handle: IO[bytes], keys: list[Any], storages: dict[str, _Storage]
) -> dict[str, np.ndarray]:
    if set(keys) != set(storages) or len(keys) != len(storages):
        raise StateDictError("the storage list does not match the tensors' storages")
    buffers: dict[str, np.ndarray] = {}
    for key in keys:
        storage = storages[key]
        header = handle.read(8)
        if len(header) != 8:
            raise StateDictError("truncated: a storage is missing")
        (numel,) = struct.unpack("<q", header)
        if numel != storage.numel:
            raise StateDictError(
                f"storage {key}: {numel} elements, the pickle said {storage.numel}"
            )
        size = numel * storage.dtype.itemsize
        raw = handle.read(size)
        if len(raw) != size:
            raise StateDictError(f"truncated: storage {key} is short")
        buffers[key] = np.frombuffer(raw, dtype=storage.dtype)
    return buffers


def _materialise(ref: _TensorRef, buffer: np.ndarray) -> np.ndarray:
    """The strided view the tensor describes, bounds-checked, then copied."""
    if not ref.size:
        if ref.offset >= len(buffer):
            raise StateDictError("a tensor reaches past its storage")
        return np.array(buffer[ref.offset])
    last = ref.offset + sum((n - 1) * s for n, s in zip(ref.size, ref.stride, strict=True))
    if 0 in ref.size:
        return np.zeros(ref.size, dtype=buffer.dtype)
    if last >= len(buffer):
        raise StateDictError("a tensor reaches past its storage")
    item = buffer.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        buffer[ref.offset :],
        shape=ref.size,
        strides=tuple(s * item for s in ref.stride),
        writeable=False,
    )
    return np.array(view)

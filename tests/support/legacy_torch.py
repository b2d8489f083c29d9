"""Write state dicts in torch's legacy (pre-zip) format without torch, for the reader's tests.

The pickle must name `torch._utils._rebuild_tensor_v2` and `torch.FloatStorage` as globals, as
torch itself writes them; stand-in modules are registered under those names while pickling.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_NAMES = {
    np.dtype("float32"): "FloatStorage",
    np.dtype("float64"): "DoubleStorage",
    np.dtype("float16"): "HalfStorage",
    np.dtype("int64"): "LongStorage",
    np.dtype("int32"): "IntStorage",
    np.dtype("uint8"): "ByteStorage",
}


class _Storage:
    def __init__(self, key: str, storage_type: Any, numel: int) -> None:
        self.key, self.storage_type, self.numel = key, storage_type, numel


class _Tensor:
    """A tensor as torch pickles it: a rebuild call over a storage named by persistent id."""

    def __init__(
        self, storage: _Storage, offset: int, shape: tuple[int, ...], stride: tuple[int, ...]
    ) -> None:
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride

    def __reduce__(self) -> Any:
        rebuild = sys.modules["torch._utils"]._rebuild_tensor_v2
        hooks = collections.OrderedDict()  # type: ignore[var-annotated]
        return rebuild, (self.storage, self.offset, self.shape, self.stride, False, hooks)


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


@contextmanager
def _torch_names() -> Iterator[types.ModuleType]:
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args: Any) -> None:  # only its name is pickled
        raise AssertionError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2  # type: ignore[attr-defined]
    for name in STORAGE_NAMES.values():
        setattr(torch, name, type(name, (), {"__module__": "torch"}))
    saved = {k: sys.modules.get(k) for k in ("torch", "torch._utils")}
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    try:
        yield torch
    finally:
        for key, module in saved.items():
            if module is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = module


def legacy_bytes(
    state: dict[str, np.ndarray], views: dict[str, tuple[str, int]] | None = None
) -> bytes:
    """`state` as torch.save(..., _use_new_zipfile_serialization=False) would write it.

    `views` makes a tensor a view into another's storage: name -> (owner, element offset).
    """
    views = views or {}
    flat: dict[str, np.ndarray] = {}
    out = io.BytesIO()
    with _torch_names() as torch:
        storages: dict[str, _Storage] = {}
        tensors: dict[str, _Tensor] = collections.OrderedDict()
        for index, (name, array) in enumerate(state.items()):
            storage_type = getattr(torch, STORAGE_NAMES[array.dtype])
            if name in views:
                owner, offset = views[name]
                storage = tensors[owner].storage
            else:
                offset, array = 0, np.array(array, order="C")
                storage = _Storage(str(index), storage_type, array.size)
                storages[storage.key], flat[storage.key] = storage, array.reshape(-1)
            stride = tuple(s // array.itemsize for s in array.strides)
            tensors[name] = _Tensor(storage, offset, tuple(array.shape), stride)
        info = {"protocol_version": PROTOCOL_VERSION, "little_endian": True}
        for value in (MAGIC_NUMBER, PROTOCOL_VERSION, info):
            pickle.dump(value, out, protocol=2)
        _Pickler(out, protocol=2).dump(tensors)
        pickle.dump(list(storages), out, protocol=2)
    for array in flat.values():
        out.write(struct.pack("<q", array.size))
        out.write(array.astype(array.dtype.newbyteorder("<")).tobytes())
    return out.getvalue()

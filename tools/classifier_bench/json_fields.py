"""Reading an untrusted JSON document field by field, with errors that name the field.

A figure of the wrong type must fail where it is read, with its path in the document
(`models.cnn.flops.dense: expected an integer`), not as a KeyError deep in a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")


class FieldError(ValueError):
    """The document lacks a field or has one of the wrong type; the message names it."""


class Fields:
    """One JSON object and its place in the document, so that errors can name the field."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise FieldError(f"{where or 'the document'}: expected an object")
        self._data: dict[str, object] = value
        self._where = where

    def _at(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where else key

    def _get(self, key: str) -> object:
        if key not in self._data:
            raise FieldError(f"{self._at(key)}: missing")
        return self._data[key]

    def names(self) -> list[str]:
        return list(self._data)

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def number(self, key: str) -> float:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FieldError(f"{self._at(key)}: expected a number")
        return float(value)

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"{self._at(key)}: expected an integer")
        return value

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise FieldError(f"{self._at(key)}: expected a string")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise FieldError(f"{self._at(key)}: expected true or false")
        return value

    def texts(self, key: str) -> list[str]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FieldError(f"{self._at(key)}: expected a list of strings")
        return list(value)

    def fields(self, key: str) -> Fields:
        return Fields(self._get(key), self._at(key))

    def optional(self, key: str, parse: Callable[[Fields], T]) -> T | None:
        return parse(self.fields(key)) if self.has(key) else None

    def each(self, key: str, parse: Callable[[Fields], T]) -> dict[str, T]:
        """An object of like entries (per model, per engine, per image), in the file's order."""
        return nested(parse)(self.fields(key))

    def each_integer(self, key: str) -> dict[str, int]:
        inner = self.fields(key)
        return {name: inner.integer(name) for name in inner.names()}


def flat(cls: type[D]) -> Callable[[Fields], D]:
    """Reads a dataclass of plain figures, each by its field's name and declared type."""

    def parse(f: Fields) -> D:
        readers: dict[object, Callable[[str], object]] = {
            "float": f.number,
            "int": f.integer,
            "str": f.text,
            "bool": f.flag,
        }
        return cls(**{field.name: readers[field.type](field.name) for field in fields(cls)})

    return parse


def nested(parse: Callable[[Fields], T]) -> Callable[[Fields], dict[str, T]]:
    """Parses an object of objects: placement -> engine -> figures, for instance."""
    return lambda f: {name: parse(f.fields(name)) for name in f.names()}

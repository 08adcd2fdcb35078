"""What the generated models say about each wire field: its JSON kind, nesting and limits.

The models in ``fortnox_bridge.fortnox.models`` are generated from the OpenAPI document, so the
sandbox and the client agree on field names; the sandbox reads them here instead of keeping its
own lists.
"""

from __future__ import annotations

import functools
import importlib
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fortnox_bridge.fortnox.models.base import FortnoxModel
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE, ResourceDescription

MODELS_PACKAGE = "fortnox_bridge.fortnox.models"


@dataclass(frozen=True)
class WireField:
    """One field of a record on the wire."""

    name: str
    kind: str  # str | num | int | bool | date | datetime | object | list
    nested: type[FortnoxModel] | None = None
    limits: dict[str, Any] = field(default_factory=dict)


def model_class(module: str, name: str) -> type[FortnoxModel]:
    """The generated model ``name`` of ``fortnox_bridge.fortnox.models.<module>``."""
    found = getattr(importlib.import_module(f"{MODELS_PACKAGE}.{module}"), name)
    if not (isinstance(found, type) and issubclass(found, FortnoxModel)):
        raise TypeError(f"{module}.{name} is not a Fortnox model")
    return found


def wire_fields(model: type[FortnoxModel]) -> dict[str, WireField]:
    """Every wire field of ``model`` (``@url`` included) with its kind and limits."""
    return {
        wire: WireField(wire, kind, nested, dict(model.wire_limits.get(wire, {})))
        for wire, kind, nested in _field_kinds(model)
    }


@functools.cache
def _field_kinds(
    model: type[FortnoxModel],
) -> tuple[tuple[str, str, type[FortnoxModel] | None], ...]:
    """``(wire name, kind, nested model)`` of each field: the models never change, and every
    sandbox app reads them for each of its resources (most of the cost of creating one)."""
    found = []
    for name, info in model.model_fields.items():
        kind, nested = _kind(info.annotation)
        found.append((info.alias or name, kind, nested))
    return tuple(found)


def description(single_key: str) -> ResourceDescription | None:
    """The catalogue entry whose single-record key is ``single_key`` (``"Employee"``)."""
    return next((d for d in CATALOGUE if d.single_key == single_key), None)


def wire_fields_of(single_key: str) -> set[str] | None:
    """The wire field names of the record wrapped as ``single_key``, or ``None`` if unknown."""
    found = description(single_key)
    if found is None or found.single_model is None:
        return None
    return set(wire_fields(model_class(found.module, found.single_model)))


def _kind(annotation: Any) -> tuple[str, type[FortnoxModel] | None]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _kind(args[0])
    if origin is list:
        inner = args[0] if args else None
        nested = inner if isinstance(inner, type) and issubclass(inner, FortnoxModel) else None
        return "list", nested
    if isinstance(annotation, type):
        if issubclass(annotation, FortnoxModel):
            return "object", annotation
        for python, kind in _SCALARS:
            if issubclass(annotation, python):
                return kind, None
    return "str", None


# Order matters: bool is an int, datetime is a date.
_SCALARS: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (Decimal, "num"),
    (float, "num"),
    (datetime, "datetime"),
    (date, "date"),
    (str, "str"),
)

"""The declarative shape of a flow.

A flow is a class with a head (``name``, local ``entity``, Fortnox ``resource``, direction, the
field that holds the Fortnox id, the host record model and a ``Settings`` model) and one pure
``map()``. The engine owns everything else: reading the mirror, diffing against the last agreed
snapshot, calling Fortnox, recording links, counting, error isolation.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.errors import FlowDefinitionError

NAME_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+\.(push|pull)$")


class FlowSettings(BaseModel):
    """Base of every flow's settings model (the admin UI renders its form from it)."""


class Flow:
    """Base class of all flows. Subclasses declare the head and implement :meth:`map`."""

    #: ``"<family>.<entity>.<push|pull>"``, e.g. ``"hr.employee.push"``.
    name: ClassVar[str]
    #: The local entity type as stored in the mirror, e.g. ``"employee"``.
    entity: ClassVar[str]
    #: The attribute of ``FortnoxClient`` that serves the resource, e.g. ``"employees"``.
    resource: ClassVar[str]
    direction: ClassVar[Literal["push", "pull"]]
    #: The field of the Fortnox model that identifies the record, e.g. ``"employee_id"``.
    fortnox_id_field: ClassVar[str]
    #: The pydantic model a host record of ``entity`` must satisfy.
    record_model: ClassVar[type[BaseModel]]
    Settings: ClassVar[type[FlowSettings]] = FlowSettings
    #: Order within a sweep: lower first (registers Fortnox owns, then exports, then imports).
    order: ClassVar[int] = 100

    @staticmethod
    def map(record: Mapping[str, Any]) -> dict[str, Any]:
        """Host record payload → Fortnox model fields (snake_case). Pure: no I/O."""
        raise NotImplementedError

    @property
    def family(self) -> str:
        """The flow family: the first part of :attr:`name`."""
        return self.name.split(".", 1)[0]

    @classmethod
    def check_definition(cls) -> None:
        """Raise :class:`FlowDefinitionError` if the head is incomplete or malformed."""
        for attribute in (
            "name", "entity", "resource", "direction", "fortnox_id_field", "record_model"
        ):  # fmt: skip
            if not hasattr(cls, attribute):
                raise FlowDefinitionError(f"flow {cls.__qualname__} does not declare {attribute!r}")
        if not NAME_PATTERN.match(cls.name):
            raise FlowDefinitionError(
                f"flow {cls.__qualname__}: name {cls.name!r} must look like 'family.entity.push'"
            )
        if not cls.name.endswith("." + cls.direction):
            raise FlowDefinitionError(
                f"flow {cls.__qualname__}: name {cls.name!r} does not end with its direction"
            )


def fingerprint(fields: Mapping[str, Any]) -> str:
    """A stable hash of mapped fields: equal fields, equal hash, whatever the key order."""
    encoded = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Fields whose value differs; a field that disappeared maps to ``None`` (blank it)."""
    changes = {key: value for key, value in after.items() if before.get(key) != value}
    changes.update({key: None for key in before if key not in after})
    return changes

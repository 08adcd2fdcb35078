"""The Fortnox field a host field becomes, found through the generated catalogue and models.

A family declares, with each host entity (:class:`~fortnox_bridge.engine.flow.entities.HostEntity`
``fortnox_fields``), which Fortnox field each of its host fields becomes (or must match, for a
reference to a register): a resource of the client and a field of its record model. The limits
of that field come from the OpenAPI document (``wire_limits`` of the generated model), the
characters Fortnox accepts from ``fortnox/characters.py``; nothing about them is written twice.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.fortnox.characters import CharacterRule, character_rule
from fortnox_bridge.fortnox.models.base import FortnoxModel
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE


@dataclass(frozen=True)
class FortnoxField:
    """The Fortnox field a host field becomes (or must match, for a reference to a register)."""

    model: type[FortnoxModel]
    #: The model's snake_case field name.
    field: str

    @cached_property
    def wire(self) -> str:
        """The field's name on the wire, ``Description``."""
        return self.model.model_fields[self.field].alias or self.field

    @cached_property
    def label(self) -> str:
        """``Project.Description``."""
        return f"{self.model.__name__}.{self.wire}"

    @cached_property
    def limits(self) -> Mapping[str, Any]:
        """What the OpenAPI document says about the field."""
        return self.model.wire_limits.get(self.wire, {})

    @cached_property
    def characters(self) -> CharacterRule | None:
        """The characters Fortnox accepts in the field, if it says."""
        return character_rule(self.model.__name__, self.wire)


def record_model(resource: str) -> type[FortnoxModel]:
    """The generated model of one record of ``resource`` (a client attribute: ``projects``)."""
    for description in CATALOGUE:
        if description.attribute == resource and description.single_model:
            module = importlib.import_module(f"fortnox_bridge.fortnox.models.{description.module}")
            model: type[FortnoxModel] = getattr(module, description.single_model)
            return model
    raise FlowDefinitionError(f"Fortnox resource {resource!r} has no record model in the catalogue")


def fortnox_field(resource: str, name: str) -> FortnoxField:
    """The field ``name`` (snake_case) of the record model of ``resource``."""
    model = record_model(resource)
    if name not in model.model_fields:
        raise FlowDefinitionError(f"{model.__name__} has no field {name!r}")
    return FortnoxField(model, name)


def fortnox_fields(resource: str, fields: Mapping[str, str]) -> dict[str, FortnoxField]:
    """Host field → :class:`FortnoxField` of ``resource``, from ``{host field: model field}``."""
    return {host: fortnox_field(resource, name) for host, name in fields.items()}

"""Host entities: the record types a host application hands the bridge through the API.

A flow family declares its entities in ``fortnox_bridge.flows.<family>.entities`` as a tuple
``ENTITIES`` of :class:`HostEntity`. Each becomes a collection of the host API
(``/api/v1/<collection>``), is validated by its ``model`` at the edge and kept in the mirror under
``entity``. Several flows may read one entity (absences feed HR and payroll), and an entity may be
read by no push flow of its own (absence types are reference data of other flows).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.fortnox_fields import FortnoxField
from fortnox_bridge.store.unique import unique_fields

FLOWS_PACKAGE = "fortnox_bridge.flows"


@dataclass(frozen=True)
class HostEntity:
    """One host record type."""

    #: The mirror's ``entity_type``, singular snake case: ``absence_type``.
    entity: str
    #: The API path segment: ``absence-types``.
    collection: str
    #: The pydantic model every record must satisfy (``extra="forbid"``).
    model: type[BaseModel]
    #: The flow family that declares it: ``hr``.
    family: str
    #: One sentence for the API documentation.
    description: str
    #: Fields that hold the host id of another entity: ``{"employee": "employee"}``.
    references: Mapping[str, str] = field(default_factory=dict)
    #: Fields people recognise a record by, in order (a customer's number and name): the problem
    #: e-mails name a failing record with them (see ``engine/outbox/references.py``).
    reference_fields: tuple[str, ...] = ()
    #: Fields whose value must be unique among the tenant's live records, compared normalised
    #: (see ``fortnox_bridge.store.unique``, which must list the same fields: the database keeps
    #: the values): a record that repeats one is refused with a 422 naming the other record.
    unique_fields: tuple[str, ...] = ()
    #: Host field → the Fortnox field it becomes (or must match), whose limits a record's value
    #: is checked against at the edge (see :mod:`~fortnox_bridge.engine.flow.fortnox_fields`).
    fortnox_fields: Mapping[str, FortnoxField] = field(default_factory=dict)
    #: Fortnox owns the records (an import stores them): the host API reads them and refuses
    #: writes with ``405 fortnox_owned``.
    fortnox_owned: bool = False
    #: Kinds of document a record may have, each served at ``GET /{collection}/{id}/{kind}``.
    documents: tuple[str, ...] = ()
    #: The kind of the CSV backup of the host's records its flows keep before their first run
    #: (``Flow.backup_kind``), served at ``GET /{collection}/backup.csv``.
    backup: str | None = None

    @property
    def label(self) -> str:
        """``absence type``."""
        return self.entity.replace("_", " ")


def discover_entities(package: str = FLOWS_PACKAGE) -> list[HostEntity]:
    """Every family's entities, by collection; a family without ``entities`` declares none."""
    root = importlib.import_module(package)
    found: dict[str, HostEntity] = {}
    for module in pkgutil.iter_modules(root.__path__):
        if not module.ispkg:
            continue
        name = f"{package}.{module.name}.entities"
        try:
            declared = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        for entity in getattr(declared, "ENTITIES", ()):
            known = found.get(entity.entity)
            if known is not None and known != entity:
                raise FlowDefinitionError(
                    f"entity {entity.entity!r} is declared twice, by {known.family!r} and "
                    f"{entity.family!r}; declare it once and let both families read it"
                )
            found[entity.entity] = entity
    for entity in found.values():
        unknown = [
            name for name in entity.reference_fields if name not in entity.model.model_fields
        ]
        if unknown:
            raise FlowDefinitionError(
                f"entity {entity.entity!r} names its records by {unknown}, which "
                f"{entity.model.__qualname__} does not have"
            )
        kept = tuple(unique.name for unique in unique_fields(entity.entity))
        if entity.unique_fields != kept:
            raise FlowDefinitionError(
                f"entity {entity.entity!r} declares the unique fields {entity.unique_fields} but "
                f"the store keeps unique values of {kept}; list them in UNIQUE_FIELDS of "
                "fortnox_bridge.store.unique too, with a migration that fills unique_values"
            )
    collections = [e.collection for e in found.values()]
    for collection in collections:
        if collections.count(collection) > 1:
            raise FlowDefinitionError(f"two entities use the API collection {collection!r}")
    return sorted(found.values(), key=lambda e: e.collection)


def check_flows_against_entities(flows: list[type[Flow]], entities: list[HostEntity]) -> None:
    """Every push flow reads a declared entity with the same record model."""
    by_name = {e.entity: e for e in entities}
    for flow in flows:
        if flow.direction != "push" or flow.builder is not None:
            continue  # pulls, and flows of records the bridge builds itself (salary days)
        entity = by_name.get(flow.entity)
        if entity is None:
            raise FlowDefinitionError(
                f"flow {flow.name!r} pushes entity {flow.entity!r}, which no family declares in "
                "its entities module"
            )
        if entity.model is not flow.record_model:
            raise FlowDefinitionError(
                f"flow {flow.name!r} validates {flow.entity!r} with "
                f"{flow.record_model.__qualname__}, but the entity is declared with "
                f"{entity.model.__qualname__}"
            )

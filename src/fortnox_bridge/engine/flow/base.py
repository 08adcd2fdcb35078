"""The declarative shape of a flow.

A flow is a class with a head (``name``, local ``entity``, Fortnox ``resource``, direction, the
field that holds the Fortnox id, the host record model and a ``Settings`` model) and pure
mapping functions. The engine owns everything else: reading the mirror, diffing against the last
agreed snapshot, calling Fortnox, idempotent creates, three-way conflicts, links, counting and
error isolation.

A flow object is the class plus one tenant's configuration: its validated settings and its
mappings (``{kind: {local value: Fortnox value or None when excluded}}``). ``map()`` and
``unmap()`` may read both; they never do I/O.

Push flows write host records to Fortnox. Pull flows read Fortnox: a pull flow with a
``counterpart`` push flow on the same entity makes the entity two-way (Fortnox-side edits flow
back, edits on both sides meet in a three-way comparison); a pull flow without one imports a
register Fortnox owns into the mirror.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.hooks import FlowHooks, SettingsHooks
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE

NAME_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+\.(push|pull)$")
Period = Literal["day", "week", "month"]
#: ``{kind: {local value: Fortnox value, or None when the local value is excluded}}``.
Mappings = Mapping[str, Mapping[str, str | None]]
#: ``lookup(entity, host id)`` → the host record's payload, or ``None`` when there is none.
Lookup = Callable[[str, str], Mapping[str, Any] | None]
#: What a push does with a new host record whose natural key an unlinked Fortnox record has:
#: hold it back until the first-synchronization plan pairs them, or adopt the Fortnox record.
ExistingPolicy = Literal["wait_for_plan", "adopt"]


class Excluded(Exception):
    """Raised by ``map()`` for a record the tenant chose not to send (an excluded mapping).

    The record is skipped with the message as its reason; it is not a problem.
    """


class Builder:
    """Builds the records of an entity the bridge derives from host entities (salary days from
    time entries, projects and absence types).

    A flow whose entity is built declares its builder (:attr:`Flow.builder`); the engine then
    refreshes the built records before the flow runs (sweeps, event-driven pushes of a
    ``built_from`` entity, dry runs and re-syncs), and the probe does not call a tenant idle
    while a ``built_from`` record has a version it has not built in (kept under ``name``).
    """

    #: Under this name the versions built in are kept (``built_sources.builder``).
    name: str
    #: The entity built (the flows' ``entity``); internal: not a host API collection.
    entity: str
    #: The host entities it is built from.
    built_from: tuple[str, ...]

    def refresh(self, sessions: Any, tenant_id: int, clock: Any) -> Any:
        """Rebuild what changed since it was built in; store a record only when it changed."""
        raise NotImplementedError

    def settle(self, session: Any, tenant_id: int, operations: Any, results: Any) -> dict[int, Any]:
        """How the open change operations of ``built_from`` records stand after a run whose
        flow results are ``results``: ``{operation id: Settlement}`` (see
        ``engine/sync/change_status.py``); an operation left out stays as it is."""
        return {}


@dataclass(frozen=True)
class MappingKind:
    """A kind of tenant mapping a flow reads (``{kind: {local value: Fortnox value}}``).

    Flows declare what they read, so a mapping is checked when it is set: a kind no flow reads,
    a local value the flow cannot meet, or a Fortnox value Fortnox would refuse is refused then,
    instead of being stored and ignored (or failing later in Fortnox).
    """

    kind: str
    #: What a local value is, in words ("an absence type's code").
    local: str
    #: What the Fortnox value is, in words ("a Fortnox absence cause code").
    fortnox: str
    #: The local values this declaration covers; ``None``: any value.
    local_values: tuple[str, ...] | None = None
    #: The Fortnox values a covered local value may be mapped to; ``None``: any value.
    fortnox_values: tuple[str, ...] | None = None


#: How the runner applies a flow (one strategy per kind, see ``engine/sync/strategies.py``):
#: ``push`` one host record → one Fortnox record; ``derived`` one host record → several Fortnox
#: records; ``pull`` a two-way register compared with its push counterpart; ``import`` a
#: register Fortnox owns, read into the store; ``ledger`` a register numbered per series and year,
#: read one record at a time (see ``engine/flow/ledger.py``); ``ledger_year`` a financial year's
#: whole general ledger read at once (see ``engine/flow/ledger_year.py``).
FlowKind = Literal["push", "derived", "pull", "import", "ledger", "ledger_year"]


class FlowSettings(BaseModel):
    """Base of every flow's settings model (the admin UI renders its form from it)."""


class Flow(SettingsHooks, FlowHooks):
    """Base class of all flows. Subclasses declare the head and implement the mappings."""

    #: ``"<family>.<entity>.<push|pull>"``, e.g. ``"hr.employee.push"``.
    name: ClassVar[str]
    #: The local entity type as stored in the mirror, e.g. ``"employee"``.
    entity: ClassVar[str]
    #: The attribute of ``FortnoxClient`` that serves the resource, e.g. ``"employees"``.
    resource: ClassVar[str]
    #: Other resources the flow reads (``FortnoxClient`` attributes, e.g. ``"schedule_times"``);
    #: with :attr:`resource` they give the Fortnox scopes the flow needs (:meth:`scopes`).
    reads: ClassVar[tuple[str, ...]] = ()
    direction: ClassVar[Literal["push", "pull"]]
    #: The field of the Fortnox model that identifies the record, e.g. ``"employee_id"``.
    fortnox_id_field: ClassVar[str]
    #: The pydantic model a host record of ``entity`` must satisfy.
    record_model: ClassVar[type[BaseModel]]
    Settings: ClassVar[type[FlowSettings]] = FlowSettings
    #: The flow whose stored settings this one runs with (``None``: its own). A family whose
    #: flows share one settings model stores it once, on one flow; the others name that flow
    #: here, declare the same ``Settings`` and refuse settings of their own (the API and the
    #: admin UI send the tenant to the flow that holds them).
    settings_flow: ClassVar[str | None] = None
    #: Order within a sweep, lower first: 100–199 registers Fortnox owns and reads of two-way
    #: registers, 200–299 exports, 300–399 imports of Fortnox documents.
    order: ClassVar[int] = 100
    #: Whether the flow runs for a tenant that has not configured it.
    default_enabled: ClassVar[bool] = True
    #: A base flow of its family: it runs for every tenant that chose the family and cannot be
    #: turned off (see ``engine/sync/context.py`` ``is_enabled``).
    base: ClassVar[bool] = False
    #: Flows that may not run beside this one (a register is either exported or imported):
    #: turning this flow on while one of them is on is refused.
    excludes: ClassVar[tuple[str, ...]] = ()
    #: The API collection of the host records (``/api/v1/<collection>``), default ``<entity>s``.
    collection: ClassVar[str | None] = None

    #: Fortnox fields (mapped, snake_case) that identify a record when its id is unknown: used to
    #: adopt a record created before a crash or lost answer, and to match on a first sync.
    natural_key: ClassVar[tuple[str, ...]] = ()
    #: Fortnox list search parameters that narrow a natural-key lookup, by field.
    natural_key_search: ClassVar[Mapping[str, str]] = {}
    #: Push: Fortnox may hold records of this register the bridge never linked (a company's
    #: employees from before it was connected). A run about to create reads the Fortnox list
    #: once and never creates a record whose natural key an unlinked Fortnox record has: it waits
    #: for the first-synchronization plan or adopts that record (:meth:`existing_policy`).
    match_existing: ClassVar[bool] = False
    #: How an admin makes the first-synchronization plan of this entity (shown in reasons).
    first_sync_hint: ClassVar[str] = "make the first-synchronization plan"
    #: Fields of the flow's record that people recognise it by, in order (a project's number
    #: and name); the problem e-mails name a failing record with them. Empty: the entity's
    #: :attr:`HostEntity.reference_fields`, else :meth:`reference` as the run wrote it.
    reference_fields: ClassVar[tuple[str, ...]] = ()
    #: Host fields that hold the host id of another entity; before ``map()`` the engine puts the
    #: linked Fortnox id there (``{"employee": "employee"}``). Unlinked → the item waits.
    references: ClassVar[Mapping[str, str]] = {}
    #: Fields sent instead of a DELETE when a host record is deleted (Fortnox has no DELETE for
    #: some resources, e.g. employees: ``{"inactive": True}``); ``None`` sends a DELETE.
    delete_by: ClassVar[Mapping[str, Any] | None] = None
    #: Fields sent when a record deleted that way comes back.
    undelete_by: ClassVar[Mapping[str, Any]] = {}
    #: Mapped fields sent only when the record is created, never in an update (Fortnox does not
    #: let them change, or they are Fortnox-side setup given once, e.g. an employee's EmployeeId).
    create_only: ClassVar[frozenset[str]] = frozenset()
    #: ``False`` for a flow that never runs on its own: the head of the Fortnox records a
    #: derived flow writes (see ``engine/sync/deriving.py``). Discovery leaves such flows out.
    standalone: ClassVar[bool] = True
    #: The builder of :attr:`entity` when the bridge builds its records from other host
    #: entities instead of the host sending them (see :class:`Builder`).
    builder: ClassVar[Builder | None] = None
    #: What the flow sends depends on the day (a status that changes once a delay has run out)
    #: or on other host records it reads: every run looks at every live record, not only those
    #: that changed, with :attr:`today` set from the run's clock. Costs store reads every sweep
    #: (the probe never calls the tenant idle), no request while nothing changed.
    replan_all: ClassVar[bool] = False

    #: Pull: the push flow whose ``map()`` gives the local side of a two-way entity.
    counterpart: ClassVar[str | None] = None
    #: Pull: the Fortnox fields read and compared (two-way) or imported.
    pull_fields: ClassVar[frozenset[str]] = frozenset()
    #: Import: whether a record changed in Fortnox after its first import is updated in the
    #: bridge (``False``: the bridge keeps what it first imported).
    import_updates: ClassVar[bool] = True
    #: Pull: the list parameter for incremental reads (``"lastmodified"``), if Fortnox has one.
    cursor_param: ClassVar[str | None] = None
    #: Pull: how far before the cursor an incremental read starts (clock skew, late commits).
    cursor_overlap: ClassVar[timedelta] = timedelta(minutes=5)

    #: Fortnox's WebSocket topics (``cost-centers``, ``vouchers`` ...) whose events this flow
    #: reads: each event becomes a read of the one record it names, stored as a sweep would
    #: store it (``engine/sync/targeted.py``); :meth:`topic_target` says which record. Empty:
    #: the flow only sweeps.
    topics: ClassVar[tuple[str, ...]] = ()

    #: The kinds of tenant mapping the flow reads (see :class:`MappingKind`).
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = ()

    #: Dated flows: the period a re-sync is widened to; also turns on the date checks (locked
    #: period, and the financial year where :attr:`needs_financial_year`) for ``date_field``.
    period: ClassVar[Period | None] = None
    #: Dated flows: the mapped Fortnox field that holds the record's date.
    date_field: ClassVar[str] = "date"
    #: Dated flows: whether Fortnox refuses a record dated outside every financial year (true of
    #: bookkeeping documents such as vouchers and invoices; not of salary transactions, which
    #: Fortnox takes for any date). When true, such a record is held back without a request.
    needs_financial_year: ClassVar[bool] = False

    def __init__(
        self, settings: FlowSettings | None = None, mappings: Mappings | None = None
    ) -> None:
        self.settings = settings if settings is not None else self.Settings()
        self.mappings: Mappings = mappings or {}
        #: The run's day, from its clock: set by the engine before it plans the flow's records.
        self.today: date | None = None

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host record payload → Fortnox model fields (snake_case). Pure: no I/O."""
        raise NotImplementedError

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox fields (JSON values) → host payload fields; ``None`` removes a field."""
        raise NotImplementedError

    def imports(self, fortnox_id: str, fields: Mapping[str, Any]) -> bool:
        """Import: whether the Fortnox record belongs in the bridge at all (one left out, or
        no longer wanted, is not stored or is deleted from the bridge). Two-way pull: whether
        the record is compared at all (one left out is as if the read had not shown it). Pure."""
        return True

    def pull_params(self) -> dict[str, Any]:
        """Pull: list parameters every read sends besides the cursor (a window, such as the
        invoices fully paid in the last six months, from :attr:`today`). A read with them sees
        part of the register only, so nothing it leaves out is taken as deleted in Fortnox."""
        return {}

    def topic_target(self, topic: str, entity_id: str, extras: Mapping[str, Any]) -> str | None:
        """The Fortnox id of the record an event of ``topic`` names (its ``entityId``, with
        the event's other fields in ``extras``); ``None``: nothing for this flow to read. Pure."""
        return entity_id or None

    @classmethod
    def flow_kind(cls) -> FlowKind:
        """How the runner applies this flow: ``push``, or for a pull flow ``pull`` when it has
        a push counterpart (two-way) and ``import`` otherwise; derived flows say ``derived``."""
        if cls.direction == "push":
            return "push"
        return "pull" if cls.counterpart else "import"

    def existing_policy(self) -> ExistingPolicy:
        """What a create that meets an unlinked Fortnox record does (see :attr:`match_existing`):
        the flow setting ``existing_in_fortnox``, ``wait_for_plan`` when the flow has none."""
        chosen = getattr(self.settings, "existing_in_fortnox", None)
        return "adopt" if chosen == "adopt" else "wait_for_plan"

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """How people recognise the record in a log or an e-mail."""
        return f"{self.entity} {external_id}"

    def after_create(self, record: Mapping[str, Any], fortnox_id: str) -> dict[str, Any]:
        """Host fields ``record`` takes from what Fortnox assigned when it was created (or
        adopted) as ``fortnox_id`` (an employee's employment id); empty: nothing. Pure."""
        return {}

    def write_resource(self, client: Any) -> Any:
        """What a push writes this flow's records through: the client's :attr:`resource`,
        unless the flow wraps it (to write what a record needs first, or act on it after)."""
        return getattr(client, self.resource)

    def concerned(self, external_id: str, lookup: Lookup) -> list[str]:
        """E-mail addresses to tell, besides the tenant's recipients, when Fortnox refuses this
        record (e.g. the employee's manager). Pure: host records come through ``lookup``."""
        return []

    def key_of(self, fields: Mapping[str, Any]) -> str | None:
        """The natural key of mapped fields (case and blanks ignored); ``None`` if incomplete."""
        if not self.natural_key:
            return None
        parts = [normalise(fields.get(name)) for name in self.natural_key]
        if any(part is None for part in parts):
            return None
        return "|".join(str(part).strip().lower() for part in parts)

    def date_of(self, fields: Mapping[str, Any]) -> date | None:
        """The date of a dated flow's mapped record."""
        if self.period is None:
            return None
        value = fields.get(self.date_field)
        return date.fromisoformat(str(value)) if value else None

    @classmethod
    def resync_proposal(cls, disconnected: date, today: date) -> tuple[date, date] | None:
        """After a reconnect: the interval this flow proposes to re-sync, or ``None``.

        Dated flows propose the days the connection was broken (widened to whole periods when
        the re-sync runs); override to propose something else.
        """
        return (disconnected, today) if cls.period is not None else None

    @classmethod
    def scopes(cls) -> frozenset[str]:
        """The Fortnox scopes the flow needs: those of :attr:`resource` and :attr:`reads`."""
        return frozenset(scope_of(resource) for resource in (cls.resource, *cls.reads))

    @property
    def family(self) -> str:
        """The flow family (see :func:`family_of`)."""
        return family_of(type(self))

    @classmethod
    def api_collection(cls) -> str:
        """The host API path segment of this flow's records."""
        return cls.collection or cls.entity.replace("_", "-") + "s"

    @classmethod
    def check_definition(cls) -> None:
        """Raise :class:`FlowDefinitionError` if the head is incomplete or malformed."""
        for attribute in (
            "name",
            "entity",
            "resource",
            "direction",
            "fortnox_id_field",
            "record_model",
        ):
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
        if family_of(cls) != cls.name.split(".", 1)[0]:
            raise FlowDefinitionError(
                f"flow {cls.__qualname__}: name {cls.name!r} does not start with its family "
                f"{family_of(cls)!r} (the package it is in)"
            )
        if cls.settings_flow == cls.name:
            raise FlowDefinitionError(
                f"flow {cls.name!r} names itself as settings_flow; leave it None to keep its own"
            )
        if cls.direction == "pull" and not cls.pull_fields:
            raise FlowDefinitionError(f"pull flow {cls.name!r} declares no pull_fields")
        cls.scopes()  # every resource it reads is one the client has


def settings_holder(flow: type[Flow]) -> str:
    """The name of the flow whose stored settings ``flow`` runs with (its own name, or its
    :attr:`Flow.settings_flow`)."""
    return flow.settings_flow or flow.name


def family_of(flow: type[Flow]) -> str:
    """The family of a flow: the package of ``fortnox_bridge.flows`` it is declared in (a flow
    declared elsewhere, as in a test: the first part of its name)."""
    parts = flow.__module__.split(".")
    if parts[:2] == ["fortnox_bridge", "flows"] and len(parts) > 3:
        return parts[2]
    return flow.name.split(".", 1)[0]


def scope_of(resource: str) -> str:
    """The Fortnox scope that grants ``resource`` (a ``FortnoxClient`` attribute)."""
    for description in CATALOGUE:
        if description.attribute == resource:
            return description.scope
    raise FlowDefinitionError(f"Fortnox resource {resource!r} is not in the client's catalogue")


def normalise(value: Any) -> Any:
    """One spelling for "no value": ``None``, ``""`` and a missing field compare equal."""
    return None if value == "" else value


def fingerprint(fields: Mapping[str, Any]) -> str:
    """A stable hash of mapped fields: equal fields, equal hash, whatever the key order."""
    encoded = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Fields whose value differs; a field that disappeared maps to ``None`` (blank it)."""
    changes = {key: value for key, value in after.items() if before.get(key) != value}
    changes.update({key: None for key in before if key not in after})
    return changes

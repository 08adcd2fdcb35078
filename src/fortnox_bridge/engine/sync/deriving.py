"""Derived flows: one host record becomes several Fortnox records (an absence → one absence
transaction per scheduled day).

A derived flow reads the mirror like any push flow and is planned only when its record needs a
look, so an idle sweep still costs one read and no request. For each such record it says, in two
steps, which Fortnox records belong to it:

1. ``head(record, related)`` — pure: the fields every part shares (employee, cause code, ...)
   and whether anything belongs in Fortnox at all (an unapproved absence: nothing);
2. ``parts(record, head, client)`` — may *read* Fortnox (the employee's schedule) and returns
   the parts, keyed (by day), as mapped Fortnox fields.

Each part is then an ordinary record of the flow's *part flow* (``part``: its own entity,
resource, natural key and id field): it has its own link (``<host id>@<key>``), its own
pending-create marker and adopt-before-create lookup, and is created, updated (changed fields
only) or deleted by the same :class:`~fortnox_bridge.engine.sync.pushing.PushWriter` as every other
record. An update of the host record is a diff of the part sets.

The host record keeps a link of its own (no Fortnox id) whose snapshot is the last agreed head:
when a record changed but its head did not (an absence's note), nothing is read or written. The
link is ``stale`` while parts are being written, so a crash, a refused part or a held-back day
leaves the record to be looked at again on the next run; it is ``linked`` once every part agrees.

Parts written under a head value that has since changed in a field of ``disconnect_on`` (the
cause code, after the tenant's mapping changed) are *disconnected*: left in Fortnox, their links
marked ``disconnected``, and the record gets no further updates — until Fortnox shows them with
the new value again (someone edited them there), or a re-write
(:meth:`~fortnox_bridge.engine.sync.derived_push.DerivedPusher.push` with ``rewrite=True``)
deletes them and writes the record afresh.

This module declares derived flows (what ``flows/`` subclass); applying them is
:mod:`~fortnox_bridge.engine.sync.derived_push` (the records of a flow),
:mod:`~fortnox_bridge.engine.sync.derived_run` (one host record's parts),
:mod:`~fortnox_bridge.engine.sync.derived_links` (their links) and
:mod:`~fortnox_bridge.engine.sync.derived_report` (what the run log says).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, TypeGuard

from fortnox_bridge.engine.flow.base import Flow, FlowKind
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.fortnox import FortnoxClient

#: Separates a host id from a part key in the part's link (``abs-7@2026-01-05``).
PART_SEPARATOR = "@"
#: State of a part link written under a head value that no longer holds.
DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class Head:
    """What a derived flow makes of one host record before Fortnox is asked anything."""

    #: Everything that decides the parts (compared with the last agreed head: equal → nothing
    #: to do). Holds the ``disconnect_on`` fields.
    fields: dict[str, Any]
    #: Whether anything of the record belongs in Fortnox now.
    wanted: bool
    #: Why (not): shown in the run log.
    reason: str


@dataclass(frozen=True)
class Parts:
    """The Fortnox records one host record stands for, by part key, as mapped fields."""

    fields: dict[str, dict[str, Any]]
    #: A problem to report although the parts were derived (e.g. "0 scheduled hours").
    warning: str | None = None
    #: A problem someone has to fix that holds the whole record back: nothing of it is written
    #: (a Fortnox register code the parts name is missing there); looked at again next run.
    held: str | None = None
    #: Said in the run item beside what was written (not a problem).
    note: str | None = None
    #: Awaited once before the record's first write, never in a dry run: creates what the
    #: parts need in Fortnox (a missing project). A Fortnox refusal fails the record.
    prepare: Callable[[], Awaitable[None]] | None = None


class PartFlow(Flow):
    """The head of the Fortnox records a derived flow writes; never run on its own."""

    standalone: ClassVar[bool] = False
    direction: ClassVar[Literal["push", "pull"]] = "push"
    #: Mapped fields held as decimal text (in links, for exact comparison) and sent as numbers.
    numeric_fields: ClassVar[frozenset[str]] = frozenset()


class DerivedFlow(Flow):
    """A push flow whose host records each become several Fortnox records (see module doc)."""

    #: The head of the derived Fortnox records.
    part: ClassVar[type[PartFlow]]
    #: Host fields naming other host records that ``head`` reads, ``{field: entity}``.
    lookups: ClassVar[Mapping[str, str]] = {}
    #: Part fields that tie a written part to the head: when the head's value changes, parts
    #: written under the old one are disconnected instead of updated.
    disconnect_on: ClassVar[tuple[str, ...]] = ()
    #: Head fields that come from the host record itself (an absence's type): a change of a
    #: ``disconnect_on`` value while these stay the same came from a mapping and disconnects.
    own_fields: ClassVar[tuple[str, ...]] = ()
    #: How an admin re-writes disconnected records (shown in the run log).
    rewrite_hint: ClassVar[str] = "re-write the record"
    #: Where on the connection's cached facts the flow keeps what it read of Fortnox between runs
    #: (``None``: it keeps nothing); see :meth:`use_facts` and :meth:`facts_to_keep`.
    facts_key: ClassVar[str | None] = None

    @classmethod
    def flow_kind(cls) -> FlowKind:
        return "derived"

    def head(
        self, record: Mapping[str, Any], related: Mapping[str, Mapping[str, Any] | None]
    ) -> Head:
        """The head of ``record`` (references already Fortnox ids); ``related`` holds the
        payloads of the ``lookups`` (``None`` when missing or deleted). Pure."""
        raise NotImplementedError

    async def parts(self, record: Mapping[str, Any], head: Head, client: FortnoxClient) -> Parts:
        """The parts of a wanted record; may read Fortnox, never writes."""
        raise NotImplementedError

    def reference_for(
        self,
        external_id: str,
        record: Mapping[str, Any],
        related: Mapping[str, Mapping[str, Any] | None],
    ) -> str:
        """How people recognise the record, with what ``related`` adds (an employee's e-mail)."""
        return self.reference(external_id, record)

    def use_facts(self, cached: Mapping[str, Any], now: datetime) -> None:
        """Before a pass: what earlier runs kept under :attr:`facts_key` (``{}``: nothing).
        No-op here."""

    def facts_to_keep(self, now: datetime) -> dict[str, Any] | None:
        """After a pass: what to keep under :attr:`facts_key` for later runs (``None``:
        nothing). Nothing here."""
        return None

    def group_problems(self, result: FlowResult) -> None:
        """After a run: merge the items of one cause into one problem where people think of
        it as one (a locked salary period of an employee, not each of its days). No-op here."""


def part_id(external_id: str, key: str) -> str:
    """The host id of a part's link: ``abs-7@2026-01-05``."""
    return f"{external_id}{PART_SEPARATOR}{key}"


def split_part_id(value: str) -> tuple[str, str]:
    """``abs-7@2026-01-05`` → ``("abs-7", "2026-01-05")``."""
    external_id, _, key = value.rpartition(PART_SEPARATOR)
    return external_id, key


def head_snapshot(head: Head) -> dict[str, Any]:
    """What the record's own link keeps of an agreed head."""
    return {"head": head.fields, "wanted": head.wanted}


def is_derived(flow: Flow) -> TypeGuard[DerivedFlow]:
    """Whether ``flow`` is of kind ``derived`` (one host record → several Fortnox records)."""
    return flow.flow_kind() == "derived"


class NumericResource:
    """A part resource that sends decimal-text fields as JSON numbers."""

    def __init__(self, inner: Any, names: frozenset[str]) -> None:
        self.inner, self.names = inner, names

    def _numbers(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: Decimal(v) if k in self.names and isinstance(v, str) else v
            for k, v in fields.items()
        }

    async def create(self, record: Mapping[str, Any]) -> Any:
        """Create with numbers as numbers."""
        return await self.inner.create(self._numbers(record))

    async def update(self, record_id: str, changes: Mapping[str, Any]) -> Any:
        """Update with numbers as numbers."""
        return await self.inner.update(record_id, self._numbers(changes))

    async def delete(self, record_id: str) -> None:
        """Delete."""
        await self.inner.delete(record_id)

    async def get(self, record_id: str) -> Any:
        """Read one record."""
        return await self.inner.get(record_id)

    def iterate(self, **options: Any) -> Any:
        """The list."""
        return self.inner.iterate(**options)

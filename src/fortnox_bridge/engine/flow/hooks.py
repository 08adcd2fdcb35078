"""Hooks of a flow besides its head and ``map()``, with defaults that change nothing;
:class:`~fortnox_bridge.engine.flow.base.Flow` inherits both groups.

- :class:`SettingsHooks`: what a flow decides from its tenant's settings at run time, beside
  its mappings (a family whose settings turn directions on and off, or guard what Fortnox may
  change on the host side, overrides them: the service family's registers do).
- :class:`FlowHooks`: the other host records a push's mapping reads, warnings about a record
  that is written all the same (the engine calls them while it plans a push:
  ``engine/sync/push_plan.py``, ``planning.py``), and whether a two-way pull's topic events
  name records by another id than its links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class SettingsHooks:
    """Run-time decisions of a flow (a mixin of ``Flow``). Pure: no I/O."""

    settings: Any
    #: When set, the host's records of the flow's entity are kept once as a CSV document of
    #: this kind before the flow first runs for a tenant (not paused), so what the host had
    #: before the first synchronisation can be downloaded (see ``engine/sync/backups.py``).
    backup_kind: ClassVar[str | None] = None

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox fields → host payload fields (``Flow`` declares it)."""
        raise NotImplementedError

    def paused(self) -> str | None:
        """Why the flow does nothing for this tenant now (its settings turned its direction
        off), or ``None`` when it runs. A paused flow reads and writes nothing."""
        return None

    def imports_unmatched(self) -> bool:
        """Two-way pull: whether Fortnox records no host record matches become host records
        (by default the flow's ``import_unmatched`` setting says)."""
        return bool(getattr(self.settings, "import_unmatched", False))

    def import_new(self, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """The host payload fields of a record new in Fortnox, or ``None`` to leave it out
        (a pull may add host-only fields to records that come from Fortnox)."""
        return self.unmap(fields)

    def guarded(self, fortnox: Mapping[str, Any]) -> frozenset[str]:
        """Two-way pull: fields whose value Fortnox now shows (``fortnox``) must not reach the
        host by themselves: a change of them is held as an open conflict for a person to
        decide, whatever the tenant's policy."""
        return frozenset()


class FlowHooks:
    """The hooks, doing nothing unless a flow overrides them."""

    #: Two-way pull: the records its topic events name (:meth:`Flow.topic_target`) are known
    #: by another Fortnox id than the one its links hold (an invoice's number, where the links
    #: hold its external reference). A targeted read then reads each named record and compares
    #: those that turn out linked, instead of reading only the ids its links hold.
    topic_ids_are_not_links: ClassVar[bool] = False

    #: Other host entities whose records ``map()`` reads besides the record itself,
    #: ``{entity: the payload field they are known by}`` (a customer by its ``number``).
    #: Before planning, the engine reads the live records the planned records name
    #: (:meth:`related_keys`) and hands them to the flow (:meth:`use_related`).
    related_entities: ClassVar[Mapping[str, str]] = {}

    def related_keys(self, record: Mapping[str, Any]) -> dict[str, set[str]]:
        """The keys of the other host records ``map(record)`` reads, by entity (of
        :attr:`related_entities`). Pure; none here."""
        return {}

    def use_related(self, related: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """The live records of :attr:`related_entities` the planned records name,
        ``{entity: {key: payload}}`` (a missing or deleted one is left out), before ``map()``
        is called for them. Ignored here."""

    def warnings(self, record: Mapping[str, Any]) -> list[str]:
        """What the tenant should know about a record that is written all the same (a text
        cut to Fortnox's length), shown with the write's reason. Pure; none here."""
        return []

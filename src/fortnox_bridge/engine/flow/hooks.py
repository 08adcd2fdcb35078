"""What a flow may say besides its head and ``map()``: the other host records a push's mapping
reads, warnings about a record that is written all the same (the engine calls them while it
plans a push: ``engine/sync/push_plan.py``, ``planning.py``), and whether a two-way pull's topic
events name records by another id than its links. :class:`~.base.Flow` inherits them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


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

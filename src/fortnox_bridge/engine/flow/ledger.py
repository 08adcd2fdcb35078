"""Ledger flows: imports of a Fortnox register numbered per series and year, read one record at
a time (vouchers: no ``lastmodified``, and the rows come only with a read of one voucher).

A ledger flow says which series it reads, when a record is ready to import (a voucher with a row
on a project), how a record maps to the bridge (:meth:`Flow.unmap`) and how many records it reads
again per sweep; ``engine/sync/ledger_import.py`` does the reading. Rows of an imported record
are compared by :meth:`LedgerFlow.row_key`: rows new in Fortnox are added, existing rows are
never updated, rows gone or marked removed are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fortnox_bridge.engine.flow.base import Flow, FlowKind, fingerprint

Row = dict[str, Any]
#: Fortnox's topic of voucher events.
VOUCHERS_TOPIC = "vouchers"


def voucher_target(entity_id: str, extras: Mapping[str, Any]) -> str | None:
    """The voucher an event names, as ``<year id>/<series>/<number>``; ``None`` when it names
    none. The event's ``year``, ``series`` and ``id`` (or ``number``) say it; an entity id of
    ``<year>/<series>/<number>``, ``<year>-<series>-<number>`` or ``<series>-<number>`` (with the
    event's year) stands in for what they leave out."""
    parts = [p for p in entity_id.replace("/", "-").split("-") if p] if entity_id else []
    year = extras.get("year") or (parts[0] if len(parts) == 3 else None)
    series = extras.get("series") or (parts[-2] if len(parts) >= 2 else None)
    number = extras.get("id") or extras.get("number") or (parts[-1] if parts else None)
    try:
        year_id, voucher_number = int(str(year)), int(str(number))
    except ValueError:
        return None
    if not series or year_id <= 0 or voucher_number <= 0:
        return None
    return f"{year_id}/{str(series).strip().upper()}/{voucher_number}"


def voucher_parts(fortnox_id: str) -> tuple[int, str, int]:
    """``(year id, series, number)`` of a ``<year id>/<series>/<number>`` voucher id."""
    year, series, number = fortnox_id.split("/")
    return int(year), series, int(number)


class LedgerFlow(Flow):
    """Base of ledger flows (see the module)."""

    #: The Fortnox fields (snake case) of a record's financial year id, series and number.
    year_field: ClassVar[str] = "year"
    series_field: ClassVar[str] = "voucher_series"
    number_field: ClassVar[str] = "voucher_number"
    #: The bridge record's field that holds its rows.
    rows_field: ClassVar[str] = "rows"
    #: Row fields that do not identify a row (a flag Fortnox may set later).
    row_flags: ClassVar[frozenset[str]] = frozenset({"removed"})
    #: The bridge record's field that describes its image once fetched (see
    #: :meth:`document_source` and ``engine/sync/ledger_documents.py``).
    image_field: ClassVar[str] = "image"

    @classmethod
    def flow_kind(cls) -> FlowKind:
        """Applied by the ledger strategy."""
        return "ledger"

    @property
    def series(self) -> list[str]:
        """The series read (from the tenant's settings)."""
        return list(getattr(self.settings, "series", []))

    @property
    def pending_per_sweep(self) -> int:
        """At most this many records not ready yet are read again per sweep."""
        return int(getattr(self.settings, "pending_per_sweep", 0))

    @property
    def recheck_per_sweep(self) -> int:
        """At most this many imported records are read again per sweep."""
        return int(getattr(self.settings, "recheck_per_sweep", 0))

    def record_id(self, year: object, series: object, number: object) -> str:
        """The bridge's id of a record: ``<year id>-<series>-<number>``."""
        return f"{year}-{series}-{number}"

    def ready(self, fields: Mapping[str, Any]) -> bool:
        """Whether a Fortnox record (snake-case fields) is imported now; else it waits."""
        return True

    def topic_target(self, topic: str, entity_id: str, extras: Mapping[str, Any]) -> str | None:
        """A voucher event names the voucher ``<year id>/<series>/<number>``."""
        return voucher_target(entity_id, extras) if topic == VOUCHERS_TOPIC else None

    def document_source(self, fields: Mapping[str, Any]) -> str | None:
        """The Fortnox supplier invoice whose connected file is the record's image (its
        ``GivenNumber``), from the record's Fortnox or bridge fields; ``None``: no image."""
        return None

    def describe_row(self, row: Mapping[str, Any]) -> str:
        """A bridge row in words, for a problem."""
        return ", ".join(f"{key} {value}" for key, value in row.items())

    def row_key(self, row: Mapping[str, Any]) -> str:
        """What identifies a bridge row (its fields but the flags; numbers as numbers)."""
        fields = {
            key: (f"{value:.2f}" if isinstance(value, float) else value)
            for key, value in row.items()
            if key not in self.row_flags
        }
        return fingerprint(fields)[:16]

    def compare_rows(self, imported: list[Row], now: list[Row]) -> tuple[list[Row], list[Row]]:
        """``(rows new in Fortnox, imported rows removed in Fortnox)``: a row of ``now``
        matches one imported row of the same key, once; an imported row is removed when none
        matches it, or the one that matches is marked removed while it was not."""
        waiting: dict[str, list[Row]] = {}
        for row in now:
            waiting.setdefault(self.row_key(row), []).append(row)
        removed = []
        for row in imported:
            matches = waiting.get(self.row_key(row))
            match = matches.pop(0) if matches else None
            if match is None or (match.get("removed") and not row.get("removed")):
                removed.append(row)
        added = [row for rows in waiting.values() for row in rows if not row.get("removed")]
        return added, removed

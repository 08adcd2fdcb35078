"""Storing a year's ledger as read (from the export, the fallback or an uploaded file): diff it
against the stored year, write what changed in one transaction, and say so in the event feed.

Events (``engine/outbox/events.py``): ``ledger.year.synced`` once per year whose stored ledger
changed, with the counts. After the year's first import, each voucher added, changed or removed
is an event too (``ledger.voucher.created|changed|deleted``, entity ``ledger.voucher``, id
``<year>/<series>/<number>``), up to :data:`VOUCHER_EVENTS_MAX` per sync of a year; past that
(or at the first import, 20,000 vouchers at once) only the year's event tells, and a reader
reads the year again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.sync.ledger_year_read import YearRead
from fortnox_bridge.store.events import EventRepository, NewEvent
from fortnox_bridge.store.ledger_data import VoucherDiff, diff_vouchers
from fortnox_bridge.store.ledger_years import LedgerYearRepository
from fortnox_bridge.store.models import LedgerYear

#: Per-voucher events are written for at most this many changed vouchers of a year per sync.
VOUCHER_EVENTS_MAX = 1000


@dataclass(frozen=True)
class YearInfo:
    """What is known of a stored year (detached from its session)."""

    id: int
    fortnox_id: int | None
    from_date: dt.date
    to_date: dt.date
    source: str
    synced_at: dt.datetime | None
    documents_synced_at: dt.datetime | None
    sie_sha256: str | None
    voucher_count: int

    @classmethod
    def of(cls, year: LedgerYear) -> YearInfo:
        """The info of a stored year."""
        return cls(
            year.id, year.fortnox_id, year.from_date, year.to_date, year.source, year.synced_at,
            year.documents_synced_at, year.sie_sha256, year.voucher_count,
        )  # fmt: skip

    @property
    def label(self) -> str:
        """How the API names the year: its first day."""
        return self.from_date.isoformat()

    @property
    def holds_data(self) -> bool:
        """Whether a ledger was stored for the year."""
        return self.synced_at is not None or self.voucher_count > 0


@dataclass
class YearOutcome:
    """What a sync (or an upload) did with one year."""

    year: str
    #: ``synced`` (written), ``unchanged``, ``skipped`` (left alone), ``failed``.
    status: str = "unchanged"
    #: Where the ledger was read: ``export`` (SIE export), ``vouchers`` (the fallback), ``sie``
    #: (an uploaded file); ``None``: not read.
    read_from: str | None = None
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    documents_fetched: int = 0
    documents_linked: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def store_year(
    sessions: sessionmaker[Session],
    clock: Clock,
    tenant_id: int,
    year: YearInfo,
    read: YearRead,
    *,
    source: str,
    read_from: str,
    extra: dict[str, Any] | None = None,
) -> YearOutcome:
    """Diff ``read`` against the stored year and write what changed, in one transaction (no
    write at all when nothing did and the source stays)."""
    outcome = YearOutcome(year.label, read_from=read_from)
    now = clock.now()
    with sessions.begin() as session:
        store = LedgerYearRepository(session)
        diff = diff_vouchers(store.stored_vouchers(year.id), read.vouchers)
        outcome.new, outcome.changed = len(diff.new), len(diff.changed)
        outcome.removed, outcome.unchanged = len(diff.removed), diff.unchanged
        chart = store.replace_chart(tenant_id, year.id, read.accounts, read.objects)
        fields = {"source": source, "sie_sha256": read.sha256, **(extra or {})}
        same = year.source == source and year.sie_sha256 == read.sha256 and not extra
        if diff.empty and not chart and same:
            return outcome
        store.apply(tenant_id, year.id, diff, now=now)
        store.finish(year.id, synced_at=now, last_error=None, **fields)
        outcome.status = "synced"
        _events(session, tenant_id, year, diff, outcome, now)
    return outcome


def _events(
    session: Session,
    tenant_id: int,
    year: YearInfo,
    diff: VoucherDiff,
    outcome: YearOutcome,
    now: dt.datetime,
) -> None:
    changes = outcome.new + outcome.changed + outcome.removed
    each = year.synced_at is not None and 0 < changes <= VOUCHER_EVENTS_MAX
    counts = {
        "year": year.label, "source": outcome.read_from, "new": outcome.new,
        "changed": outcome.changed, "removed": outcome.removed,
        "unchanged": outcome.unchanged, "first_import": year.synced_at is None,
        "voucher_events": each,
    }  # fmt: skip
    events = [NewEvent("ledger.year.synced", counts, "ledger.year", year.label)]
    if each:
        for kind, vouchers in (
            ("created", [(v.series, v.number) for v in diff.new]),
            ("changed", [(v.series, v.number) for _, v in diff.changed]),
            ("deleted", [(series, number) for _, series, number in diff.removed]),
        ):
            events.extend(
                NewEvent(
                    f"ledger.voucher.{kind}",
                    {"year": year.label, "series": series, "number": number},
                    "ledger.voucher",
                    f"{year.label}/{series}/{number}",
                )
                for series, number in vouchers
            )
    EventRepository(session).append_many(tenant_id, events, now=now)

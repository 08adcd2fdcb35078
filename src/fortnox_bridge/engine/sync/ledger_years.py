"""Syncing financial years' general ledgers from Fortnox (the ``ledger_year`` flow kind).

What one sync asks Fortnox (the budget is a promise, held by the ledger scenario's tests):

- the company's financial years (``/3/financialyears``), only when the bridge knows none, when
  asked to refresh, or when the stored list is more than a day old;
- per year, one ``GET /3/sie/4?financialyear=<Id>``; a file with the SHA-256 the year was last
  stored from costs that request and writes nothing. Otherwise the file is read
  (``ledger_year_read.py``) and diffed against the stored year (``ledger_year_store.py``);
- when the export is unavailable (a missing scope, 404, 5xx after retries), the year is read
  voucher by voucher instead (``ledger_year_fallback.py``);
- documents (``ledger_year_documents.py``), for the years whose sync found new or changed
  vouchers, that were asked for, or whose documents were last looked for more than a day ago:
  one listing of the connections, then one archive read per file the bridge does not hold.

A year whose ledger was loaded from a SIE file is synced only when the caller confirms the
overwrite; a sweep leaves it alone (its documents are still fetched).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.ledger_year import LedgerYearFlow
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.ledger_year_documents import LedgerDocuments, YearRef
from fortnox_bridge.engine.sync.ledger_year_fallback import EXPORT_UNAVAILABLE, read_vouchers
from fortnox_bridge.engine.sync.ledger_year_read import YearRead, read_sie
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo, YearOutcome, store_year
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.fortnox.errors import FortnoxError, MissingScopeError
from fortnox_bridge.store.documents import DocumentFiles
from fortnox_bridge.store.ledger_years import LedgerYearRepository

#: How old the stored list of financial years, or a year's look for documents, may get.
DAY = dt.timedelta(days=1)
#: Called as ``progress(done, total)`` (years done of the years to sync).
Progress = Callable[[int, int], None]


class LedgerYearError(EngineError):
    """A year named in a request is unknown or ambiguous."""


class UnknownYear(LedgerYearError):
    """No financial year starts on the day (or in the year) named."""


class AmbiguousYear(LedgerYearError):
    """Two financial years start in the calendar year named."""

    def __init__(self, year: str, days: Sequence[str]) -> None:
        super().__init__(
            f"two financial years start in {year} ({', '.join(days)}): name one by its first day"
        )
        self.year, self.days = year, list(days)


def resolve(years: Sequence[YearInfo], label: str) -> YearInfo:
    """The year ``label`` names: ``"2025"`` (the year that starts in 2025) or ``"2025-07-01"``
    (the year that starts that day)."""
    text = label.strip()
    if len(text) == 4 and text.isdigit():
        found = [y for y in years if y.from_date.year == int(text)]
        if len(found) > 1:
            raise AmbiguousYear(text, sorted(y.label for y in found))
    else:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise UnknownYear(f"{label!r} names no financial year: give its start, as 2025 or "
                              "2025-07-01") from None  # fmt: skip
        found = [y for y in years if y.from_date == day]
    if not found:
        raise UnknownYear(f"no financial year starts in {label}")
    return found[0]


@dataclass(frozen=True)
class SyncRequest:
    """What a sync is asked to do."""

    #: Years named as in the API; ``None``: the ``latest`` ones.
    years: tuple[str, ...] | None = None
    latest: int | None = None
    #: Sync a year loaded from a SIE file too (else it is left alone).
    overwrite: bool = False
    #: Leave the ledger as it is; look for the documents only.
    documents_only: bool = False
    #: Read Fortnox's list of financial years even when the stored one is fresh.
    refresh: bool = False


class LedgerYearSync:
    """Syncs some financial years of one tenant from one Fortnox client."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        tenant_id: int,
        client: Any,
        flow: LedgerYearFlow,
        files: DocumentFiles | None,
        progress: Progress | None = None,
    ) -> None:
        self.sessions, self.clock, self.tenant_id = sessions, clock, tenant_id
        self.client, self.flow, self.files, self.progress = client, flow, files, progress

    def stored(self) -> list[YearInfo]:
        """The tenant's stored years, the latest first."""
        with self.sessions.begin() as session:
            return [YearInfo.of(y) for y in LedgerYearRepository(session).years(self.tenant_id)]

    async def known_years(self, refresh: bool = False) -> list[YearInfo]:
        """The stored years, after reading Fortnox's list when it is needed (see the module)."""
        with self.sessions.begin() as session:
            read_at = LedgerYearRepository(session).list_read_at(self.tenant_id)
        if refresh or read_at is None or self.clock.now() - read_at > DAY:
            found = [
                (int(y.id), y.from_date, y.to_date, y.account_chart_type)
                async for y in self.client.financial_years.iterate()
                if y.id is not None and y.from_date is not None and y.to_date is not None
            ]
            with self.sessions.begin() as session:
                LedgerYearRepository(session).upsert_years(
                    self.tenant_id, found, now=self.clock.now()
                )
        return self.stored()

    def targets(self, years: Sequence[YearInfo], request: SyncRequest) -> list[YearInfo]:
        """The years a request names (the latest ones of Fortnox's list by default)."""
        if request.years is not None:
            named = [resolve(years, label) for label in request.years]
            return list({year.id: year for year in named}.values())
        today = self.clock.now().date()
        fortnox = [y for y in years if y.fortnox_id is not None]
        begun = [y for y in fortnox if y.from_date <= today] or fortnox
        return begun[: request.latest or self.flow.latest_years]

    async def run(self, request: SyncRequest) -> list[YearOutcome]:
        """Sync the years of ``request``; one outcome per year, in the order synced."""
        targets = self.targets(await self.known_years(request.refresh), request)
        outcomes: list[YearOutcome] = []
        if self.progress is not None:
            self.progress(0, len(targets))
        for done, year in enumerate(targets, start=1):
            outcomes.append(await self.year(year, request))
            if self.progress is not None:
                self.progress(done, len(targets))
        await self.documents(targets, outcomes, request)
        return outcomes

    async def year(self, year: YearInfo, request: SyncRequest) -> YearOutcome:
        """Sync one year's ledger (unless the request is for documents only); what stops it
        is kept on the year (``last_error``) and the other years go on."""
        try:
            return await self._year(year, request)
        except (*RUN_STOPPERS, MissingScopeError):
            raise
        except FortnoxError as exc:
            with self.sessions.begin() as session:
                LedgerYearRepository(session).set_fields(year.id, last_error=str(exc)[:1000])
            return YearOutcome(year.label, status="failed", error=str(exc))

    async def _year(self, year: YearInfo, request: SyncRequest) -> YearOutcome:
        if request.documents_only:
            return YearOutcome(year.label, status="skipped")
        if year.source == "sie" and not request.overwrite:
            return YearOutcome(year.label, status="skipped",
                               error="loaded from a SIE file: sync it with overwrite")  # fmt: skip
        if year.fortnox_id is None:
            return YearOutcome(year.label, status="failed", error="Fortnox has no such year")
        try:
            content: bytes = await self.client.sie.export(year.fortnox_id, type=4)
        except EXPORT_UNAVAILABLE:
            read = await read_vouchers(self.client, year.fortnox_id)
            return self._store(year, read, "vouchers")
        if year.source == "fortnox" and hashlib.sha256(content).hexdigest() == year.sie_sha256:
            # the file the year was stored from: not even read
            return YearOutcome(year.label, read_from="export", unchanged=year.voucher_count)
        return self._store(year, read_sie(content), "export")

    def _store(self, year: YearInfo, read: YearRead, read_from: str) -> YearOutcome:
        return store_year(
            self.sessions, self.clock, self.tenant_id, year, read,
            source="fortnox", read_from=read_from, extra=_clean(year),
        )  # fmt: skip

    async def documents(
        self, years: Sequence[YearInfo], outcomes: Sequence[YearOutcome], request: SyncRequest
    ) -> None:
        """Look for the documents of the years that need it (see the module)."""
        if self.files is None or not self.flow.documents:
            return
        stale = self.clock.now() - DAY
        wanted = [
            YearRef(year.id, year.fortnox_id, year.label)
            for year, outcome in zip(years, outcomes, strict=True)
            if year.fortnox_id is not None
            and outcome.status != "failed"
            and (
                request.documents_only
                or outcome.new + outcome.changed > 0
                or year.documents_synced_at is None
                or year.documents_synced_at < stale
            )
        ]
        fetcher = LedgerDocuments(
            self.sessions, self.clock, self.tenant_id, self.client, self.files, self.flow
        )
        try:
            counts = await fetcher.sync(wanted)
        except RUN_STOPPERS:
            raise
        except FortnoxError as exc:  # the ledger stands; the documents are looked for next time
            refs = {ref.year_id for ref in wanted}
            for year, outcome in zip(years, outcomes, strict=True):
                if year.id in refs:
                    outcome.error = f"documents not fetched: {exc}"
            return
        for year, outcome in zip(years, outcomes, strict=True):
            if year.id in counts:
                outcome.documents_fetched = counts[year.id].fetched
                outcome.documents_linked = counts[year.id].linked


def _clean(year: YearInfo) -> dict[str, Any] | None:
    """The fields a sync from Fortnox resets on a year that was loaded from a file."""
    return {"sie_name": None, "sie_findings": None} if year.source == "sie" else None


class LedgerYearStrategy:
    """Applies a ledger-year flow in a sweep: the latest years kept synced (see the module)."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        if wanted is not None or scope.dry_run:  # nothing to push; a dry run reads nothing
            return
        client = await run.source.get()
        sync = LedgerYearSync(scope.sessions, scope.clock, scope.tenant_id, client,
                              cast(LedgerYearFlow, flow), scope.documents)  # fmt: skip
        try:
            outcomes = await sync.run(SyncRequest())
        except (*RUN_STOPPERS, MissingScopeError):
            raise
        except FortnoxError as exc:  # the next sweep tries again
            result.error = f"reading the ledger stopped: {exc}"
            return
        for outcome in outcomes:
            result.imported += outcome.new
            result.updated += outcome.changed
            result.deleted += outcome.removed
            result.unchanged += outcome.unchanged
            if outcome.status == "skipped":
                result.skipped += 1
            if outcome.error and outcome.status == "failed":
                result.error = f"{outcome.year}: {outcome.error}"

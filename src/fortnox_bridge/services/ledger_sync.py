"""The write side of the ledger family: sync financial years from Fortnox as background jobs,
load a year from an uploaded SIE 4 file, refresh the list of financial years.

A year whose ledger came from an uploaded file is synced from Fortnox only when the caller says
``overwrite`` (409 ``ledger_sie_overwrite`` otherwise; its documents may be fetched any time);
an upload over a year synced from Fortnox needs ``overwrite`` too (409
``ledger_fortnox_overwrite``). The API (``api/ledger_sync.py``) adapts this service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import TenantBusyError
from fortnox_bridge.engine.jobs.ledger_years import LedgerYearJobs
from fortnox_bridge.engine.sync.ledger_year_read import read_sie
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo, YearOutcome, store_year
from fortnox_bridge.engine.sync.ledger_years import (
    AmbiguousYear,
    SyncRequest,
    UnknownYear,
    resolve,
)
from fortnox_bridge.engine.tenancy.writer import TenantWriters
from fortnox_bridge.formats.errors import SieSyntaxError
from fortnox_bridge.formats.findings import Finding
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, no_engine
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.jobs import BackgroundJobs
from fortnox_bridge.services.ledger_texts import (
    AMBIGUOUS,
    FAMILY_OFF,
    FORTNOX_OVERWRITE,
    NO_OPERATION,
    NO_YEAR,
    RUNNING,
    SIE_OVERWRITE,
    SIE_YEAR_MISMATCH,
    WRITER_BUSY,
    describe_findings,
)
from fortnox_bridge.store.ledger_years import LedgerYearRepository
from fortnox_bridge.store.models import Run

#: The most findings kept on a year loaded from a file.
FINDINGS_KEPT = 200


@dataclass(frozen=True)
class LedgerOperation:
    """A ledger sync job: its state and progress."""

    id: int
    status: str
    done: int
    total: int
    counts: dict[str, Any]
    requests: int
    error: str | None
    started_at: Any
    finished_at: Any
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, run: Run) -> LedgerOperation:
        """The operation of a run."""
        return cls(
            run.id, run.status, run.progress_done, run.progress_total, dict(run.counts or {}),
            run.requests, run.error, run.started_at, run.finished_at, dict(run.params or {}),
        )  # fmt: skip


@dataclass(frozen=True)
class SieLoad:
    """What loading a SIE file did."""

    year: YearInfo
    outcome: YearOutcome
    findings: list[Finding]


class LedgerSyncService:
    """Syncs and loads tenants' ledger years (see the module)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        hooks: EngineHooks,
        jobs: BackgroundJobs,
    ) -> None:
        self.sessions, self.clock, self.hooks, self.jobs = sessions, clock, hooks, jobs

    def _jobs(self) -> LedgerYearJobs:
        if self.hooks.service is None:
            raise no_engine()
        return LedgerYearJobs(self.hooks.service)

    def years(self, tenant_id: int) -> list[YearInfo]:
        """The tenant's stored years, the latest first."""
        with self.sessions.begin() as session:
            return [YearInfo.of(y) for y in LedgerYearRepository(session).years(tenant_id)]

    def year(self, tenant_id: int, label: str) -> YearInfo:
        """The stored year ``label`` names (404 ``ledger_year_not_found``, 409 when ambiguous)."""
        try:
            return resolve(self.years(tenant_id), label)
        except AmbiguousYear as exc:
            raise Conflict(
                AMBIGUOUS.format(year=exc.year, days=", ".join(exc.days)),
                code="ledger_year_ambiguous",
            ) from None
        except UnknownYear:
            raise NotFound(NO_YEAR.format(year=label), code="ledger_year_not_found") from None

    def start_sync(
        self,
        tenant_id: int,
        *,
        years: list[str] | None = None,
        latest: int | None = None,
        overwrite: bool = False,
        documents_only: bool = False,
        refresh: bool = False,
    ) -> LedgerOperation:
        """Start a sync job (see the module); its operation."""
        jobs = self._jobs()
        flow = jobs.flow(tenant_id)
        if flow is None:
            raise Conflict(FAMILY_OFF, code="ledger_family_off")
        if self.jobs.running(_job_name(tenant_id)):
            raise Conflict(RUNNING, code="ledger_sync_running")
        request = SyncRequest(
            tuple(years) if years else None, None if years else latest, overwrite,
            documents_only, refresh,
        )  # fmt: skip
        self._check_overwrite(tenant_id, request, flow.latest_years)
        run_id = jobs.open(tenant_id, request)
        self.jobs.start(_job_name(tenant_id), jobs.run(tenant_id, run_id, request))
        return self.operation(tenant_id, run_id)

    def _check_overwrite(self, tenant_id: int, request: SyncRequest, latest: int) -> None:
        stored = self.years(tenant_id)
        if request.overwrite or request.documents_only:
            return
        if request.years is not None:
            named = []
            for label in request.years:
                try:
                    named.append(resolve(stored, label))
                except AmbiguousYear as exc:
                    raise Conflict(
                        AMBIGUOUS.format(year=exc.year, days=", ".join(exc.days)),
                        code="ledger_year_ambiguous",
                    ) from None
                except UnknownYear:
                    continue  # perhaps new in Fortnox: the job reads the list
        else:
            fortnox = [y for y in stored if y.fortnox_id is not None]
            named = fortnox[: request.latest or latest]
        loaded = [y.label for y in named if y.source == "sie"]
        if loaded:
            raise Conflict(SIE_OVERWRITE.format(years=", ".join(loaded)),
                           code="ledger_sie_overwrite")  # fmt: skip

    def operation(self, tenant_id: int, operation_id: int) -> LedgerOperation:
        """A sync job's state and progress (404 ``not_found``)."""
        if self.hooks.service is None:
            run = _read_run(self.sessions, tenant_id, operation_id)
        else:
            run = self._jobs().get(tenant_id, operation_id)
        if run is None:
            raise NotFound(NO_OPERATION.format(id=operation_id))
        return LedgerOperation.of(run)

    async def refresh_years(self, tenant_id: int) -> list[YearInfo]:
        """Read Fortnox's list of financial years now; the stored years after it."""
        return await self._jobs().refresh(tenant_id)

    def load_sie(
        self, tenant_id: int, year: str, content: bytes, name: str, *, overwrite: bool
    ) -> SieLoad:
        """Load year ``year``'s ledger from a SIE 4 file (see the module)."""
        if self.jobs.running(_job_name(tenant_id)):
            raise Conflict(RUNNING, code="ledger_sync_running")
        try:
            read = read_sie(content)
        except SieSyntaxError as exc:  # not a SIE file at all (no line of it is a record)
            raise InvalidInput(str(exc), code="sie_invalid", field=("body",), value=name) from None
        if read.errors or read.first is None or read.last is None:
            raise InvalidInput(describe_findings(read.errors), code="sie_invalid",
                               field=("body",), value=name)  # fmt: skip
        # The year is made and replaced as the tenant's one writer, so a sync started meanwhile
        # by another process cannot write the same year at the same time.
        try:
            with TenantWriters(self.sessions, self.clock).hold_briefly(tenant_id, "SIE upload"):
                target, outcome = self._replace(tenant_id, year, read, name, overwrite=overwrite)
        except TenantBusyError:
            raise Conflict(WRITER_BUSY, code="tenant_busy") from None
        with self.sessions.begin() as session:
            stored = LedgerYearRepository(session).get(tenant_id, target.id)
            assert stored is not None
            return SieLoad(YearInfo.of(stored), outcome, read.findings)

    def _replace(
        self, tenant_id: int, year: str, read: Any, name: str, *, overwrite: bool
    ) -> tuple[YearInfo, YearOutcome]:
        """Store the file's ledger as year ``year``'s (the caller holds the tenant's writer)."""
        target = self._year_for(tenant_id, year, read.first, read.last)
        if target.source == "fortnox" and target.holds_data and not overwrite:
            raise Conflict(FORTNOX_OVERWRITE.format(year=target.label),
                           code="ledger_fortnox_overwrite")  # fmt: skip
        findings = [f.to_json() for f in read.findings[:FINDINGS_KEPT]]
        outcome = store_year(
            self.sessions, self.clock, tenant_id, target, read, source="sie", read_from="sie",
            extra={"sie_name": name[:200], "sie_findings": findings},
        )  # fmt: skip
        return target, outcome

    def _year_for(self, tenant_id: int, label: str, first: Any, last: Any) -> YearInfo:
        """The stored year the file is for, made when the bridge knows none; the file's year
        must be the one ``label`` names."""
        named = label.strip()
        if named not in (first.isoformat(), str(first.year)):
            raise InvalidInput(
                SIE_YEAR_MISMATCH.format(year=label, first=first.isoformat()),
                code="sie_year_mismatch", field=("path", "year"), value=label,
            )  # fmt: skip
        stored = self.years(tenant_id)
        found = [y for y in stored if y.from_date == first]
        if found:
            return found[0]
        with self.sessions.begin() as session:
            LedgerYearRepository(session).add_year(tenant_id, first, last, now=self.clock.now())
        return next(y for y in self.years(tenant_id) if y.from_date == first)


def _job_name(tenant_id: int) -> str:
    return f"ledger:{tenant_id}"


def _read_run(sessions: sessionmaker[Session], tenant_id: int, run_id: int) -> Run | None:
    with sessions.begin() as session:
        run = session.get(Run, run_id)
        if run is None or run.tenant_id != tenant_id or run.kind != "ledger":
            return None
        session.expunge(run)
        return run


__all__: Sequence[str] = ["LedgerOperation", "LedgerSyncService", "SieLoad"]

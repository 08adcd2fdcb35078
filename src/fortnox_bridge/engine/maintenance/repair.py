"""Repair of duplicates: Fortnox records the bridge made more than once for the same thing.

Before writes to a tenant's Fortnox were serialised, two jobs could both create the same record
(an employee, a day's attendance transaction); the bridge kept a link to one of them and forgot
the others. This module finds those others and removes them where Fortnox allows it.

For every push flow with a natural key (for a derived flow: its part flow, the records it really
writes) the tenant's Fortnox records are read once and grouped by that key (employee: e-mail;
attendance and absence transactions of the payroll flows: employee, day, cause code, project and
cost centre; ``hr.absence.push``: employee, day and cause code). Then:

- **keeper**: the record the bridge's link points at. It stays;
- **extra**: another record under the keeper's key when the bridge *created* the keeper (link
  origin ``created``) and no link of the bridge points at it. Fortnox does not say which program
  made a record, so this is the rule adopt-before-create already lives by: a record with the key
  of one the bridge writes is the bridge's. A record the bridge's own log names as created for a
  host record (the run log and the pending-create markers keep the Fortnox id of each create)
  while the host record is linked to another one is an extra too, whatever its key is now;
- **not ours**: same-key records where the bridge created none of them (it matched or imported
  the linked one, or links none): made in Fortnox by someone else, listed and left alone.

:func:`apply` deletes the extras of flows whose records Fortnox can delete (transactions); a
refusal (the salary period is locked) is reported per record. Records Fortnox cannot delete
(employees: a flow with ``delete_by``) are listed with what to do by hand; one already in the
state the flow's ``delete_by`` describes (an inactive employee) counts as handled. Every delete
and every record left to a person is kept in the item log of a run of kind ``repair``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import describe_error
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.maintenance.duplicates import find
from fortnox_bridge.engine.maintenance.repair_report import (
    BUSY,
    BY_HAND,
    DELETED,
    FOUND,
    GONE,
    REFUSED,
    RUN_KIND,
    DuplicateGroup,
    Extra,
    RepairProgress,
    RepairReport,
)
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.fortnox.errors import FortnoxApiError, FortnoxError, NotFoundError
from fortnox_bridge.store.runs import ItemRecord, RunRepository


async def apply(
    sessions: sessionmaker[Session],
    clock: Clock,
    report: RepairReport,
    source: ClientSource,
    *,
    progress: RepairProgress | None = None,
    requests_before: int | None = None,
) -> RepairReport:
    """Delete the extras of ``report`` that Fortnox can delete and keep every step in a run of
    kind ``repair``; extras it cannot delete are logged for a person. Refusals are per record.

    The run counts the requests sent since ``source`` made ``requests_before`` (by default:
    from now on, the deletes only)."""
    work = [(g, e) for g in report.duplicates for e in g.extras if e.outcome == FOUND]
    report.applied = True
    if not work:
        return report
    report.run_id = _start(sessions, clock, report, len(work))
    before = source.requests_made if requests_before is None else requests_before
    try:
        for done, (group, extra) in enumerate(work, start=1):
            item = await _handle(source, group, extra)
            _step(sessions, report.run_id, item)
            if progress is not None:
                progress("delete", done, len(work))
    except BaseException as exc:
        error = describe_error(exc) if isinstance(exc, Exception) else "stopped"
        _finish(sessions, clock, report, source.requests_made - before, error=error)
        raise
    _finish(sessions, clock, report, source.requests_made - before)
    return report


async def _handle(source: ClientSource, group: DuplicateGroup, extra: Extra) -> ItemRecord:
    host = group.host_ids[0] if group.host_ids else ""
    why = f"duplicate of {', '.join(group.keepers)} ({group.key}): {extra.why}"
    if group.busy:
        extra.outcome = BUSY
        extra.message = "a write of this record is in flight; run the repair again later"
        return ItemRecord(
            group.flow, host, "delete", "skipped", f"{why}; {extra.message}", extra.fortnox_id
        )
    if not group.deletable:
        extra.outcome, extra.message = BY_HAND, group.by_hand
        return ItemRecord(
            group.flow, host, "report", "skipped", f"{why}; {group.by_hand}", extra.fortnox_id
        )
    resource: Any = getattr(await source.get(), group.resource)
    code = None
    try:
        await resource.delete(extra.fortnox_id)
        extra.outcome, outcome, reason = DELETED, "ok", f"deleted: {why}"
    except NotFoundError:
        extra.outcome, outcome, reason = GONE, "ok", f"already gone from Fortnox: {why}"
    except RUN_STOPPERS:
        raise
    except FortnoxError as exc:
        extra.outcome, extra.message = REFUSED, describe_error(exc)
        outcome, reason = "failed", f"Fortnox refused the delete: {extra.message} ({why})"
        code = exc.code if isinstance(exc, FortnoxApiError) else None
    return ItemRecord(group.flow, host, "delete", outcome, reason, extra.fortnox_id, code)


def _start(sessions: sessionmaker[Session], clock: Clock, report: RepairReport, total: int) -> int:
    with sessions.begin() as session:
        run = RunRepository(session).start(
            report.tenant_id,
            RUN_KIND,
            now=clock.now(),
            params={
                "groups": len(report.duplicates),
                "extras": total,
                "not_ours": sum(len(g.extras) for g in report.groups if not g.ours),
            },
        )
        run.progress_total = total
        return run.id


def _step(sessions: sessionmaker[Session], run_id: int | None, item: ItemRecord) -> None:
    """Keep one item at once, with the run's progress: a crash loses nothing done before it."""
    with sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.get(run_id) if run_id is not None else None
        assert run is not None
        runs.add_items(run.id, [item])
        run.progress_done += 1


def _finish(
    sessions: sessionmaker[Session],
    clock: Clock,
    report: RepairReport,
    requests: int,
    *,
    error: str | None = None,
) -> None:
    counts = {
        "deleted": report.count(DELETED) + report.count(GONE),
        "failed": report.count(REFUSED),
        "skipped": report.count(BY_HAND) + report.count(BUSY),
    }
    status = "failed" if error else ("partial" if counts["failed"] else "succeeded")
    with sessions.begin() as session:
        assert report.run_id is not None
        RunRepository(session).finish(
            report.run_id, status, now=clock.now(), counts=counts, requests=requests, error=error
        )


async def repair_duplicates(
    sessions: sessionmaker[Session],
    clock: Clock,
    tenant_id: int,
    source: ClientSource,
    flows: Sequence[type[Flow]],
    *,
    apply_changes: bool = False,
    writer: AbstractAsyncContextManager[object] | None = None,
    progress: RepairProgress | None = None,
) -> RepairReport:
    """List the tenant's duplicates; with ``apply_changes``, also repair them.

    ``writer`` is held around the reading and the deletes of an applied repair (the tenant's
    one-writer guard, so no other job writes the records being compared); a listing holds
    nothing.
    """
    if not apply_changes:
        return await find(sessions, tenant_id, source, flows, progress=progress)
    async with writer if writer is not None else contextlib.nullcontext():
        before = source.requests_made
        report = await find(sessions, tenant_id, source, flows, progress=progress)
        return await apply(
            sessions, clock, report, source, progress=progress, requests_before=before
        )

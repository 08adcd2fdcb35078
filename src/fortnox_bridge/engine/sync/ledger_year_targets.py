"""A ledger-year flow's reads for events of Fortnox's topics: a voucher read into its stored year
(``GET /3/vouchers/{series}/{number}?financialyear=``), and the company's list of financial years
refreshed. A voucher is stored as a sweep would store it — diffed against the stored voucher,
with its ``ledger.voucher.*`` event, the accounts' closing balances moved by its rows (the
vouchers API gives no balances) and the year's documents looked for — so the sweep that follows
finds the same vouchers and balances in the year's export and writes nothing.

Only a year a sweep stored from Fortnox is touched: one never synced, or loaded from a SIE file,
is left to the sweeps (no request).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.ledger import voucher_parts
from fortnox_bridge.engine.flow.ledger_year import YEARS_TARGET, LedgerYearFlow
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.ledger_year_read import voucher_from_fortnox
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo, YearOutcome, voucher_events
from fortnox_bridge.engine.sync.ledger_years import LedgerYearSync, SyncRequest
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.fortnox.errors import FortnoxError, MissingScopeError, NotFoundError
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.ledger_data import VoucherData, VoucherDiff, diff_vouchers
from fortnox_bridge.store.ledger_years import LedgerYearRepository


def store_voucher(
    sessions: sessionmaker[Session],
    clock: Clock,
    tenant_id: int,
    year: YearInfo,
    key: tuple[str, int],
    voucher: VoucherData | None,
) -> YearOutcome:
    """Store one voucher of ``year`` as read (``None``: Fortnox no longer has it), in one
    transaction with its event; nothing is written when the stored voucher is the same."""
    outcome = YearOutcome(year.label, read_from="vouchers")
    now = clock.now()
    with sessions.begin() as session:
        store = LedgerYearRepository(session)
        diff = diff_vouchers(store.stored_vouchers(year.id, only=key), [voucher] if voucher else [])
        outcome.new, outcome.changed = len(diff.new), len(diff.changed)
        outcome.removed, outcome.unchanged = len(diff.removed), diff.unchanged
        if diff.empty:
            return outcome
        deltas = _deltas(store, diff)
        store.apply(tenant_id, year.id, diff, now=now)
        if year.sie_sha256 is not None:  # balances read from the export: keep them true
            store.shift_closing(year.id, deltas)
        store.finish(year.id)  # the year's voucher count
        outcome.status = "synced"
        EventRepository(session).append_many(tenant_id, voucher_events(year, diff), now=now)
    return outcome


def _deltas(store: LedgerYearRepository, diff: VoucherDiff) -> dict[str, Decimal]:
    """How much each account's balance moves when ``diff`` is applied."""
    deltas: dict[str, Decimal] = defaultdict(Decimal)
    before = [ident for ident, _ in diff.changed] + [ident for ident, _, _ in diff.removed]
    for account, total in store.row_sums(before).items():
        deltas[account] -= total
    for voucher in [*diff.new, *(voucher for _, voucher in diff.changed)]:
        for row in voucher.rows:
            deltas[row.account] += row.amount
    return deltas


class TargetedLedgerYear:
    """Reads what events of the ledger-year flow's topics name (see the module)."""

    async def read(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        fortnox_ids: Sequence[str],
    ) -> None:
        if scope.dry_run:
            return
        client = await run.source.get()
        sync = LedgerYearSync(scope.sessions, scope.clock, scope.tenant_id, client,
                              cast(LedgerYearFlow, flow), scope.documents)  # fmt: skip
        try:
            if YEARS_TARGET in fortnox_ids:
                await sync.known_years(refresh=True)
            await self._vouchers(scope, sync, result, [i for i in fortnox_ids if i != YEARS_TARGET])
        except (*RUN_STOPPERS, MissingScopeError):
            raise
        except FortnoxError as exc:  # the next sweep reads it
            result.error = f"reading the ledger stopped: {exc}"

    async def _vouchers(
        self, scope: RunScope, sync: LedgerYearSync, result: FlowResult, ids: Sequence[str]
    ) -> None:
        years = {y.fortnox_id: y for y in sync.stored() if y.fortnox_id is not None}
        touched: dict[int, tuple[YearInfo, YearOutcome]] = {}
        for year_id, series, number in (voucher_parts(i) for i in dict.fromkeys(ids)):
            year = years.get(year_id)
            if year is None or year.source != "fortnox" or year.synced_at is None:
                continue  # the year's sweep reads it whole
            try:
                found = await sync.client.vouchers.get(series, number, financial_year=year_id)
                read: VoucherData | None = voucher_from_fortnox(found)
            except NotFoundError:
                read = None
            outcome = store_voucher(
                scope.sessions, scope.clock, scope.tenant_id, year, (series, number), read
            )
            result.imported += outcome.new
            result.updated += outcome.changed
            result.deleted += outcome.removed
            result.unchanged += outcome.unchanged
            total = touched.setdefault(year.id, (year, YearOutcome(year.label)))[1]
            total.new, total.changed = total.new + outcome.new, total.changed + outcome.changed
        changed = [pair for pair in touched.values() if pair[1].new + pair[1].changed]
        if changed:
            years_done, outcomes = zip(*changed, strict=True)
            await sync.documents(list(years_done), list(outcomes), SyncRequest())

"""The ledger's write-side repository on SQLite and PostgreSQL: years taken from Fortnox's list
by their first day, a year's vouchers written in bulk from a diff (new, changed, removed) with
their rows, the chart replaced only when it changed, documents linked once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.documents import DocumentInfo, DocumentRepository
from fortnox_bridge.store.ledger_data import (
    AccountData,
    ObjectData,
    RowData,
    VoucherData,
    diff_vouchers,
)
from fortnox_bridge.store.ledger_years import LedgerYearRepository
from fortnox_bridge.store.models import LedgerRow, LedgerVoucher
from fortnox_bridge.store.tenants import TenantRepository

FIRST = dt.date(2025, 1, 1)


def _voucher(series: str, number: int, amount: str, lines: int = 2) -> VoucherData:
    rows = [RowData(1, "4010", Decimal(amount), project="1", text="rad")]
    rows += [RowData(line, "1930", -Decimal(amount) / (lines - 1)) for line in range(2, lines + 1)]
    return VoucherData(series, number, FIRST, f"{series}{number}", tuple(rows))


def _rows(sessions: sessionmaker[Session]) -> list[tuple[str, int, int, str, str]]:
    with sessions.begin() as session:
        found = session.execute(
            select(LedgerVoucher.series, LedgerVoucher.number, LedgerRow.line,
                   LedgerRow.account, LedgerRow.amount)
            .join(LedgerRow, LedgerRow.voucher_id == LedgerVoucher.id)
        )  # fmt: skip
        return sorted((s, n, line, a, f"{Decimal(str(m)):.2f}") for s, n, line, a, m in found)


def test_a_year_is_written_from_its_diff(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Huvudbok AB", now=clock.now()).id
        store = LedgerYearRepository(session)
        (year,) = store.upsert_years(tenant, [(7, FIRST, dt.date(2025, 12, 31), "BAS")],
                                     now=clock.now())  # fmt: skip
        again = store.upsert_years(tenant, [(7, FIRST, dt.date(2025, 12, 31), "K2")],
                                   now=clock.now())  # fmt: skip
        assert [(y.id, y.account_chart) for y in again] == [(year.id, "K2")]
        assert store.list_read_at(tenant) == clock.now()
        year_id = year.id
    first = [_voucher(s, n, f"{n}00") for s in ("A", "B") for n in range(1, 1501)]
    with sessions.begin() as session:
        store = LedgerYearRepository(session)
        store.apply(tenant, year_id, diff_vouchers({}, first), now=clock.now())
        store.finish(year_id, synced_at=clock.now())
    assert len(_rows(sessions)) == 6000
    now = [v for v in first if v.key != ("B", 7)]
    now[0] = _voucher("A", 1, "111", lines=3)
    now.append(_voucher("D", 1, "5"))
    with sessions.begin() as session:
        store = LedgerYearRepository(session)
        diff = diff_vouchers(store.stored_vouchers(year_id), now)
        assert (len(diff.new), len(diff.changed), len(diff.removed)) == (1, 1, 1)
        store.apply(tenant, year_id, diff, now=clock.now())
        store.finish(year_id)
        assert store.get(tenant, year_id).voucher_count == 3000  # type: ignore[union-attr]
        assert diff_vouchers(store.stored_vouchers(year_id), now).empty
        count = session.scalar(select(func.count()).select_from(LedgerRow))
    rows = _rows(sessions)
    assert count == len(rows) == 6000 - 2 + 1 + 2
    assert [r for r in rows if r[:2] == ("A", 1)] == [
        ("A", 1, 1, "4010", "111.00"), ("A", 1, 2, "1930", "-55.50"),
        ("A", 1, 3, "1930", "-55.50"),
    ]  # fmt: skip
    assert not [r for r in rows if r[:2] == ("B", 7)]


def test_the_chart_is_replaced_only_when_it_changed_and_documents_link_once(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Huvudbok AB", now=clock.now()).id
        store = LedgerYearRepository(session)
        year_id = store.add_year(tenant, FIRST, dt.date(2025, 12, 31), now=clock.now())
        accounts = [AccountData("1930", "Bank", None, Decimal("10.5"), Decimal("20"))]
        objects = [ObjectData(1, "ADM", "Administration")]
        assert store.replace_chart(tenant, year_id, accounts, objects)
        assert not store.replace_chart(tenant, year_id, accounts, objects)
        assert not store.replace_chart(tenant, year_id, accounts, None)
        assert store.replace_chart(tenant, year_id, accounts, [])
        store.apply(tenant, year_id, diff_vouchers({}, [_voucher("A", 1, "1")]), now=clock.now())
        info = DocumentInfo("kvitto.pdf", "application/pdf", 3, "a" * 64, "f-1", clock.now())
        document = DocumentRepository(session).save(tenant, "ledger.document", "f-1",
                                                     "bookkeeping", info)  # fmt: skip
        ((voucher_id, _),) = store.voucher_ids(year_id).values()
        assert store.link(tenant, [(voucher_id, document.id)]) == 1
        assert store.link(tenant, [(voucher_id, document.id)]) == 0
        assert store.held_documents(tenant, "ledger.document") == {"f-1": document.id}
        store.clear(year_id)
        assert store.stored_vouchers(year_id) == {}

"""The write side of the ledger: financial years, their chart, objects, vouchers and rows, and
which documents belong to which voucher (the tables of ``store/models/ledger.py``).

A year of 20,000 vouchers is written with a few bulk statements, not one ORM object per row:
vouchers and rows go in with executemany inserts of :data:`CHUNK` vouchers at a time, the new
vouchers' ids are read back with one query per chunk, and changed or removed vouchers are
updated and deleted by id in chunks. Only what the diff (``store/ledger_data.py``) names is
written; an unchanged year writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.ledger_data import (
    AccountData,
    ObjectData,
    VoucherData,
    VoucherDiff,
    fingerprint,
)
from fortnox_bridge.store.models import (
    Document,
    LedgerAccount,
    LedgerObject,
    LedgerRow,
    LedgerVoucher,
    LedgerVoucherDocument,
    LedgerYear,
)

#: Vouchers written per statement batch (their rows go in the same batch).
CHUNK = 1000
#: Ids per ``IN (...)`` of a delete.
ID_CHUNK = 500

_VOUCHERS = cast(Table, LedgerVoucher.__table__)
_ROWS = cast(Table, LedgerRow.__table__)
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_OBJECTS = cast(Table, LedgerObject.__table__)
_LINKS = cast(Table, LedgerVoucherDocument.__table__)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class LedgerYearRepository:
    """Writes one tenant's ledger years within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- years -------------------------------------------------------------------------------

    def years(self, tenant_id: int) -> list[LedgerYear]:
        """The tenant's years, the latest first."""
        return list(
            self.session.scalars(
                select(LedgerYear)
                .where(LedgerYear.tenant_id == tenant_id)
                .order_by(LedgerYear.from_date.desc())
            )
        )

    def get(self, tenant_id: int, year_id: int) -> LedgerYear | None:
        """One of the tenant's years."""
        year = self.session.get(LedgerYear, year_id)
        return year if year is not None and year.tenant_id == tenant_id else None

    def list_read_at(self, tenant_id: int) -> dt.datetime | None:
        """When Fortnox's list of financial years was last read (``None``: never)."""
        return self.session.scalar(
            select(func.max(LedgerYear.updated_at)).where(
                LedgerYear.tenant_id == tenant_id, LedgerYear.fortnox_id.is_not(None)
            )
        )

    def upsert_years(
        self,
        tenant_id: int,
        found: Sequence[tuple[int, dt.date, dt.date, str | None]],
        *,
        now: dt.datetime,
    ) -> list[LedgerYear]:
        """Take Fortnox's financial years (``(id, from, to, chart)``), matched by their first
        day; every year listed is marked read ``now``. Years no longer listed are kept."""
        known = {year.from_date: year for year in self.years(tenant_id)}
        for fortnox_id, first, last, chart in found:
            year = known.get(first)
            if year is None:
                year = LedgerYear(tenant_id=tenant_id, from_date=first, created_at=now)
                self.session.add(year)
                known[first] = year
            year.fortnox_id, year.to_date, year.account_chart = fortnox_id, last, chart
            year.updated_at = now
        self.session.flush()
        return self.years(tenant_id)

    def add_year(self, tenant_id: int, first: dt.date, last: dt.date, *, now: dt.datetime) -> int:
        """A year known only from a SIE file; its id."""
        year = LedgerYear(
            tenant_id=tenant_id, from_date=first, to_date=last, source="sie",
            created_at=now, updated_at=now,
        )  # fmt: skip
        self.session.add(year)
        self.session.flush()
        return year.id

    def finish(self, year_id: int, **fields: Any) -> None:
        """Set the year's bookkeeping fields (source, synced_at, sie_sha256, errors ...) and
        count its vouchers."""
        count = self.session.scalar(
            select(func.count()).select_from(_VOUCHERS).where(_VOUCHERS.c.year_id == year_id)
        )
        self.session.execute(
            update(LedgerYear)
            .where(LedgerYear.id == year_id)
            .values(voucher_count=int(count or 0), **fields)
        )

    def set_fields(self, year_id: int, **fields: Any) -> None:
        """Set some fields of a year (an error, when documents were looked for)."""
        self.session.execute(update(LedgerYear).where(LedgerYear.id == year_id).values(**fields))

    # -- chart and objects -------------------------------------------------------------------

    def replace_chart(
        self,
        tenant_id: int,
        year_id: int,
        accounts: Sequence[AccountData],
        objects: Sequence[ObjectData] | None,
    ) -> bool:
        """Replace the year's accounts (and objects, unless ``None``) when they differ from
        what is stored; whether anything was written."""
        written = False
        stored = self.session.execute(
            select(
                LedgerAccount.number, LedgerAccount.name, LedgerAccount.sru,
                LedgerAccount.opening_balance, LedgerAccount.closing_balance,
            ).where(LedgerAccount.year_id == year_id)
        ).all()  # fmt: skip
        if _account_set(AccountData(*row) for row in stored) != _account_set(accounts):
            self.session.execute(delete(LedgerAccount).where(LedgerAccount.year_id == year_id))
            rows = [{"tenant_id": tenant_id, "year_id": year_id, **a._asdict()} for a in accounts]
            if rows:
                self.session.execute(insert(_ACCOUNTS), rows)
            written = True
        if objects is None:
            return written
        held = self.session.execute(
            select(LedgerObject.dimension, LedgerObject.code, LedgerObject.name).where(
                LedgerObject.year_id == year_id
            )
        ).all()
        if {ObjectData(*row) for row in held} != set(objects):
            self.session.execute(delete(LedgerObject).where(LedgerObject.year_id == year_id))
            rows = [{"tenant_id": tenant_id, "year_id": year_id, **o._asdict()} for o in objects]
            if rows:
                self.session.execute(insert(_OBJECTS), rows)
            written = True
        return written

    # -- vouchers ----------------------------------------------------------------------------

    def stored_vouchers(self, year_id: int) -> dict[tuple[str, int], tuple[int, str]]:
        """``{(series, number): (id, fingerprint)}`` of the year's vouchers."""
        found = self.session.execute(
            select(_VOUCHERS.c.series, _VOUCHERS.c.number, _VOUCHERS.c.id, _VOUCHERS.c.fingerprint)
            .where(_VOUCHERS.c.year_id == year_id)
        )  # fmt: skip
        return {(series, number): (ident, digest) for series, number, ident, digest in found}

    def apply(self, tenant_id: int, year_id: int, diff: VoucherDiff, *, now: dt.datetime) -> None:
        """Write what ``diff`` found: new vouchers with their rows, changed ones with their rows
        written anew, removed ones deleted (with their rows and document links)."""
        for part in _chunks(diff.new, CHUNK):
            self._insert(tenant_id, year_id, part, now)
        for changed in _chunks(diff.changed, CHUNK):
            ids = [ident for ident, _ in changed]
            self._delete_rows(ids)
            self.session.execute(
                update(_VOUCHERS)
                .where(_VOUCHERS.c.id == bindparam("b_id"))
                .values({name: bindparam("b_" + name) for name in _HEAD}),
                [_head_values(voucher, now) | {"b_id": ident} for ident, voucher in changed],
            )
            self._insert_rows(tenant_id, [(ident, v) for ident, v in changed])
        removed = [ident for ident, _, _ in diff.removed]
        for part in _chunks(removed, ID_CHUNK):
            self._delete_rows(part)
            self.session.execute(
                delete(LedgerVoucherDocument).where(LedgerVoucherDocument.voucher_id.in_(part))
            )
            self.session.execute(delete(_VOUCHERS).where(_VOUCHERS.c.id.in_(part)))

    def clear(self, year_id: int) -> None:
        """Delete every voucher of the year (and its rows and document links)."""
        query = select(_VOUCHERS.c.id).where(_VOUCHERS.c.year_id == year_id)
        ids = list(self.session.scalars(query))
        for part in _chunks(ids, ID_CHUNK):
            self._delete_rows(part)
            self.session.execute(
                delete(LedgerVoucherDocument).where(LedgerVoucherDocument.voucher_id.in_(part))
            )
            self.session.execute(delete(_VOUCHERS).where(_VOUCHERS.c.id.in_(part)))

    def _insert(
        self, tenant_id: int, year_id: int, vouchers: Sequence[VoucherData], now: dt.datetime
    ) -> None:
        heads = [
            {"tenant_id": tenant_id, "year_id": year_id, "series": v.series, "number": v.number}
            | {key.removeprefix("b_"): value for key, value in _head_values(v, now).items()}
            for v in vouchers
        ]
        self.session.execute(insert(_VOUCHERS), heads)
        numbers = {v.key for v in vouchers}
        ids = {
            (series, number): ident
            for ident, series, number in self.session.execute(
                select(_VOUCHERS.c.id, _VOUCHERS.c.series, _VOUCHERS.c.number).where(
                    _VOUCHERS.c.year_id == year_id,
                    _VOUCHERS.c.number.between(
                        min(n for _, n in numbers), max(n for _, n in numbers)
                    ),
                )
            )
            if (series, number) in numbers
        }
        self._insert_rows(tenant_id, [(ids[v.key], v) for v in vouchers])

    def _insert_rows(self, tenant_id: int, vouchers: Sequence[tuple[int, VoucherData]]) -> None:
        """The rows of ``vouchers`` (by voucher id), with one executemany of the driver: rows
        are most of a year, and SQLAlchemy's processing of each parameter of a Core
        executemany took as long as the database's work. The values are given as the
        columns' types would bind them (on SQLite: amounts as floats, dates as ISO text)."""
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        rows = [
            (tenant_id, ident, row.line, row.account,
             float(row.amount) if sqlite else row.amount, row.cost_center, row.project,
             row.text, float(row.quantity) if sqlite and row.quantity is not None else row.quantity,
             _day(row.transaction_date, sqlite))
            for ident, voucher in vouchers
            for row in voucher.rows
        ]  # fmt: skip
        if rows:
            connection = self.session.connection()
            mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            names = ", ".join(_ROW_COLUMNS)
            places = ", ".join([mark] * len(_ROW_COLUMNS))
            connection.exec_driver_sql(f"INSERT INTO ledger_rows ({names}) VALUES ({places})", rows)

    def _delete_rows(self, voucher_ids: Sequence[int]) -> None:
        self.session.execute(delete(_ROWS).where(_ROWS.c.voucher_id.in_(voucher_ids)))

    # -- documents ---------------------------------------------------------------------------

    def voucher_ids(self, year_id: int) -> dict[tuple[str, int], tuple[int, str | None]]:
        """``{(series, number): (id, reference type)}`` of the year's vouchers."""
        found = self.session.execute(
            select(_VOUCHERS.c.series, _VOUCHERS.c.number, _VOUCHERS.c.id,
                   _VOUCHERS.c.reference_type).where(_VOUCHERS.c.year_id == year_id)
        )  # fmt: skip
        return {(series, number): (ident, kind) for series, number, ident, kind in found}

    def held_documents(self, tenant_id: int, entity: str) -> dict[str, int]:
        """``{Fortnox file id: documents.id}`` of the files already fetched for the ledger."""
        found = self.session.execute(
            select(Document.external_id, Document.id).where(
                Document.tenant_id == tenant_id, Document.entity_type == entity
            )
        )
        return {str(file_id): int(ident) for file_id, ident in found}

    def links(self, voucher_ids: Sequence[int]) -> set[tuple[int, int]]:
        """The ``(voucher id, document id)`` links of these vouchers."""
        found: set[tuple[int, int]] = set()
        for part in _chunks(voucher_ids, ID_CHUNK):
            found.update(
                (voucher, document)
                for voucher, document in self.session.execute(
                    select(
                        LedgerVoucherDocument.voucher_id, LedgerVoucherDocument.document_id
                    ).where(LedgerVoucherDocument.voucher_id.in_(part))
                )
            )
        return found

    def link(self, tenant_id: int, pairs: Iterable[tuple[int, int]]) -> int:
        """Link documents to vouchers (``(voucher id, document id)``, new pairs only); how many
        links were added."""
        wanted = set(pairs)
        new = wanted - self.links(sorted({voucher for voucher, _ in wanted}))
        if new:
            self.session.execute(
                insert(_LINKS),
                [
                    {"tenant_id": tenant_id, "voucher_id": voucher, "document_id": document}
                    for voucher, document in sorted(new)
                ],
            )
        return len(new)


#: The columns of a row, in the order :meth:`LedgerYearRepository._insert_rows` gives them.
_ROW_COLUMNS = (
    "tenant_id", "voucher_id", "line", "account", "amount", "cost_center", "project", "text",
    "quantity", "transaction_date",
)  # fmt: skip


def _day(value: dt.date | None, sqlite: bool) -> dt.date | str | None:
    """A date as SQLAlchemy's ``Date`` binds it on the backend (ISO text on SQLite)."""
    return value.isoformat() if sqlite and value is not None else value


#: The voucher columns a change rewrites.
_HEAD = (
    "date", "text", "registered_on", "reference_type", "reference_number", "fingerprint",
    "changed_at",
)  # fmt: skip


def _head_values(voucher: VoucherData, now: dt.datetime) -> dict[str, Any]:
    return {
        "b_date": voucher.date,
        "b_text": voucher.text,
        "b_registered_on": voucher.registered_on,
        "b_reference_type": voucher.reference_type,
        "b_reference_number": voucher.reference_number,
        "b_fingerprint": fingerprint(voucher),
        "b_changed_at": now,
    }


def _account_set(accounts: Iterable[AccountData]) -> set[tuple[Any, ...]]:
    """Accounts compared by value (balances to the öre, whatever the backend returns)."""
    return {
        (a.number, a.name, a.sru, _cents(a.opening_balance), _cents(a.closing_balance))
        for a in accounts
    }


def _cents(value: Any) -> str | None:
    return None if value is None else f"{float(value):.2f}"

"""A SIE document as JSON-ready data and back (the shape of ``sie convert --to json``).

Amounts and quantities are decimal *strings* (``"-275.00"``) so that no precision is lost to
floating point; dates are ISO ``YYYY-MM-DD``; object lists are ``[[dimension, "object"], ...]``.
:func:`document_from_json` is strict: a missing or mistyped value raises ``ValueError`` naming
the path of the value (``vouchers[3].rows[0].amount``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.document import AccountInfo, Company, DimensionInfo, Document

JsonDict = dict[str, Any]


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Decimal | None) -> str | None:
    return format(value, "f") if value is not None else None


def _objects(objects: r.ObjectList) -> list[list[Any]]:
    return [[dimension, object_id] for dimension, object_id in objects]


def row_to_json(row: r.VoucherRow) -> JsonDict:
    """One voucher row."""
    return {
        "kind": row.kind,
        "account": row.account,
        "objects": _objects(row.objects),
        "amount": _number(row.amount),
        "date": _date(row.date),
        "text": row.text,
        "quantity": _number(row.quantity),
        "sign": row.sign,
    }


def voucher_to_json(voucher: r.Voucher) -> JsonDict:
    """One voucher with its rows."""
    return {
        "series": voucher.series,
        "number": voucher.number,
        "date": _date(voucher.date),
        "text": voucher.text,
        "registered": _date(voucher.registered),
        "sign": voucher.sign,
        "rows": [row_to_json(row) for row in voucher.rows],
    }


def document_to_json(document: Document, *, vouchers: bool = True) -> JsonDict:
    """The whole document (without ``vouchers`` when they are streamed separately)."""
    d = document
    data: JsonDict = {
        "variant": d.variant,
        "flag": d.flag,
        "program": d.program._asdict() if d.program else None,
        "generated": (
            {"date": _date(d.generated.date), "sign": d.generated.sign} if d.generated else None
        ),
        "sie_type": d.sie_type,
        "comment": d.comment,
        "company": _company_to_json(d.company),
        "financial_years": [
            {"year": y.year, "start": _date(y.start), "end": _date(y.end)}
            for y in d.financial_years
        ],
        "tax_year": d.tax_year,
        "coverage": _date(d.coverage),
        "chart_type": d.chart_type,
        "currency": d.currency,
        "accounts": [
            {"number": a.number, "name": a.name, "type": a.type, "unit": a.unit, "sru": a.sru}
            for a in d.accounts.values()
        ],
        "dimensions": [
            {"number": x.number, "name": x.name, "parent": x.parent} for x in d.dimensions.values()
        ],
        "objects": [
            {"dimension": dim, "id": object_id, "name": name}
            for (dim, object_id), name in d.objects.items()
        ],
        "balances": [_balance(b) for b in d.balances],
        "object_balances": [_balance(b) for b in d.object_balances],
        "period_balances": [_balance(b) for b in d.period_balances],
        "unknown": [
            {"label": u.label, "fields": [f if isinstance(f, str) else list(f) for f in u.fields]}
            for u in d.unknown
        ],
    }
    if vouchers:
        data["vouchers"] = [voucher_to_json(v) for v in d.vouchers]
    return data


def _company_to_json(company: Company) -> JsonDict:
    data = {key: value for key, value in vars(company).items() if key != "address"}
    data["address"] = company.address._asdict() if company.address else None
    return data


def _balance(balance: r.Balance | r.ObjectBalance | r.PeriodBalance) -> JsonDict:
    data = balance._asdict()
    data["amount"] = _number(balance.amount)
    data["quantity"] = _number(balance.quantity)
    if "objects" in data:
        data["objects"] = _objects(data["objects"])
    return data


class _Reader:
    """Typed access to JSON values, with the path of the value in every error."""

    def __init__(self, data: Any, path: str) -> None:
        self.data = data
        self.path = path

    def _get(self, key: str, types: tuple[type, ...], default: Any) -> Any:
        if not isinstance(self.data, dict):
            raise ValueError(f"{self.path or 'document'}: expected an object")
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, types):
            names = "/".join(t.__name__ for t in types)
            raise ValueError(f"{self.path}.{key}: expected {names}, got {value!r}")
        return value

    def text(self, key: str, default: str | None = "") -> Any:
        return self._get(key, (str,), default)

    def integer(self, key: str, default: int | None = None) -> Any:
        return self._get(key, (int,), default)

    def amount(self, key: str = "amount") -> Decimal:
        value = self.decimal(key, required=True)
        assert value is not None
        return value

    def day(self, key: str) -> dt.date:
        value = self.date(key, required=True)
        assert value is not None
        return value

    def kind(self, allowed: tuple[str, ...]) -> str:
        value = self.text("kind", allowed[0])
        if value not in allowed:
            raise ValueError(f"{self.path}.kind: {value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def decimal(self, key: str, required: bool = True) -> Decimal | None:
        value = self._get(key, (str, int), None)
        if value is None:
            if required:
                raise ValueError(f"{self.path}.{key}: missing")
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{self.path}.{key}: {value!r} is not a decimal number") from None

    def date(self, key: str, required: bool = False) -> dt.date | None:
        value = self._get(key, (str,), None)
        if value is None:
            if required:
                raise ValueError(f"{self.path}.{key}: missing")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{self.path}.{key}: {value!r} is not a YYYY-MM-DD date") from None

    def items(self, key: str) -> list[_Reader]:
        value = self._get(key, (list,), [])
        return [_Reader(item, f"{self.path}.{key}[{index}]") for index, item in enumerate(value)]

    def child(self, key: str) -> _Reader | None:
        value = self._get(key, (dict,), None)
        return None if value is None else _Reader(value, f"{self.path}.{key}")

    def objects(self, key: str = "objects") -> r.ObjectList:
        pairs = []
        for item in self.items(key):
            if not (isinstance(item.data, list) and len(item.data) == 2):
                raise ValueError(f"{item.path}: expected [dimension, object]")
            dimension, object_id = item.data
            if not isinstance(dimension, int) or not isinstance(object_id, str):
                raise ValueError(f"{item.path}: expected [integer, string]")
            pairs.append((dimension, object_id))
        return tuple(pairs)


def document_from_json(data: Any) -> Document:
    """A :class:`Document` from the JSON shape :func:`document_to_json` writes."""
    j = _Reader(data, "")
    d = Document(flag=j.integer("flag", 0), sie_type=j.integer("sie_type"))
    if (program := j.child("program")) is not None:
        d.program = r.Program(program.text("name"), program.text("version"))
    if (generated := j.child("generated")) is not None:
        d.generated = r.Generated(generated.day("date"), generated.text("sign"))
    d.comment = j.text("comment", None)
    d.company = _company_from_json(j.child("company"))
    d.financial_years = [
        r.FinancialYear(y.integer("year", 0), y.day("start"), y.day("end"))
        for y in j.items("financial_years")
    ]
    d.tax_year, d.coverage = j.integer("tax_year"), j.date("coverage")
    d.chart_type, d.currency = j.text("chart_type", None), j.text("currency", None)
    _chart_from_json(j, d)
    _balances_from_json(j, d)
    d.vouchers = [voucher_from_json(v) for v in j.items("vouchers")]
    d.unknown = [
        r.UnknownRecord(
            u.text("label"),
            tuple(f if isinstance(f, str) else tuple(f) for f in u._get("fields", (list,), [])),
        )
        for u in j.items("unknown")
    ]
    return d


def _chart_from_json(j: _Reader, d: Document) -> None:
    for a in j.items("accounts"):
        number = a.text("number")
        d.accounts[number] = AccountInfo(
            number, a.text("name"), a.text("type"), a.text("unit"), list(a._get("sru", (list,), []))
        )
    for x in j.items("dimensions"):
        d.dimensions[x.integer("number")] = DimensionInfo(
            x.integer("number"), x.text("name"), x.integer("parent")
        )
    for o in j.items("objects"):
        d.objects[o.integer("dimension"), o.text("id")] = o.text("name")


def _balances_from_json(j: _Reader, d: Document) -> None:
    d.balances = [
        r.Balance(
            b.kind(("IB", "UB", "RES")),
            b.integer("year", 0),
            b.text("account"),
            b.amount(),
            b.decimal("quantity", False),
        )
        for b in j.items("balances")
    ]
    d.object_balances = [
        r.ObjectBalance(
            b.kind(("OIB", "OUB")),
            b.integer("year", 0),
            b.text("account"),
            b.objects(),
            b.amount(),
            b.decimal("quantity", False),
        )
        for b in j.items("object_balances")
    ]
    d.period_balances = [
        r.PeriodBalance(
            b.kind(("PSALDO", "PBUDGET")),
            b.integer("year", 0),
            b.text("period"),
            b.text("account"),
            b.objects(),
            b.amount(),
            b.decimal("quantity", False),
        )
        for b in j.items("period_balances")
    ]


def voucher_from_json(v: _Reader) -> r.Voucher:
    """One voucher from its JSON shape."""
    rows = tuple(
        r.VoucherRow(
            x.kind(("TRANS", "RTRANS", "BTRANS")),
            x.text("account"),
            x.objects(),
            x.amount(),
            x.date("date"),
            x.text("text"),
            x.decimal("quantity", False),
            x.text("sign"),
        )
        for x in v.items("rows")
    )
    return r.Voucher(
        v.text("series"),
        v.text("number"),
        v.day("date"),
        v.text("text"),
        v.date("registered"),
        v.text("sign"),
        rows,
    )


def _company_from_json(c: _Reader | None) -> Company:
    if c is None:
        return Company()
    address = c.child("address")
    return Company(
        name=c.text("name"),
        org_number=c.text("org_number"),
        org_sequence=c.text("org_sequence"),
        org_activity=c.text("org_activity"),
        company_id=c.text("company_id"),
        company_type=c.text("company_type"),
        industry_code=c.text("industry_code"),
        address=(
            r.Address(
                address.text("contact"),
                address.text("street"),
                address.text("postal"),
                address.text("phone"),
            )
            if address
            else None
        ),
    )

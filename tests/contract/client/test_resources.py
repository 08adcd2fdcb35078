# ruff: noqa: E501  (the tables below read best one case per line)
"""Every resource of the client, every operation and action, against the in-process sandbox;
every answer parsed into its typed model."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.errors import UnsupportedOperation
from fortnox_bridge.fortnox.resources.base import Resource
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

ALL_SCOPES = [
    "article", "bookkeeping", "companyinformation", "costcenter", "customer", "invoice",
    "order", "profile", "project", "salary", "settings",
]  # fmt: skip


@pytest.fixture
async def fortnox(connect: Connect, control: SandboxControl) -> FortnoxClient:
    tenant = (await control.create_company("Demo AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, ALL_SCOPES)
    return client


REGISTERS = [
    # attribute, create fields, id attribute, an update
    ("customers", {"name": "Takläggarna i Gävle AB", "city": "Gävle"}, "customer_number", {"city": "Sandviken"}),
    ("articles", {"description": "Takpapp 10 m²", "purchase_price": 312}, "article_number", {"description": "Takpapp 12 m²"}),
    ("projects", {"description": "Ombyggnad kv. Eken", "project_number": "P-100"}, "project_number", {"description": "Ombyggnad kv. Ek"}),
    ("cost_centers", {"code": "NORR", "description": "Norr"}, "code", {"description": "Region norr"}),
    ("units", {"code": "rulle", "description": "Rulle"}, "code", {"description": "Rullar"}),
    ("terms_of_payments", {"code": "45N", "description": "45 dagar"}, "code", {"description": "45 dagar netto"}),
]  # fmt: skip


@pytest.mark.parametrize(("attribute", "fields", "id_attribute", "change"), REGISTERS)
async def test_register_lifecycle(
    fortnox: FortnoxClient,
    attribute: str,
    fields: dict[str, Any],
    id_attribute: str,
    change: dict[str, Any],
) -> None:
    resource: Resource[Any, Any] = getattr(fortnox, attribute)
    created = await resource.create(fields)
    record_id = str(getattr(created, id_attribute))
    assert record_id
    fetched = await resource.get(record_id)
    for name, value in fields.items():
        assert str(getattr(fetched, name)) == str(value), name
    listed = [str(getattr(item, id_attribute)) async for item in resource.iterate()]
    assert record_id in listed
    updated = await resource.update(record_id, change)
    for name, value in change.items():
        assert getattr(updated, name) == value
    await resource.delete(record_id)
    with pytest.raises(NotFoundError):
        await resource.get(record_id)


async def test_employees_have_no_delete(fortnox: FortnoxClient) -> None:
    created = await fortnox.employees.create({"first_name": "Ebba", "last_name": "Holm"})
    assert created.employee_id == "3"  # the demo company has employees 1 and 2
    updated = await fortnox.employees.update("3", {"inactive": True})
    assert updated.inactive is True
    inactive = (await fortnox.employees.list_page(filter="inactive")).items
    assert [e.employee_id for e in inactive] == ["3"]
    with pytest.raises(UnsupportedOperation):
        await fortnox.employees.delete("3")


async def test_expenses_list_get_create(fortnox: FortnoxClient) -> None:
    created = await fortnox.expenses.create(
        {"code": "KM", "text": "Milersättning", "account": 7331}
    )
    assert (created.code, created.text) == ("KM", "Milersättning")
    assert (await fortnox.expenses.get("KM")).account == 7331
    assert "KM" in [e.code async for e in fortnox.expenses.iterate()]
    with pytest.raises(UnsupportedOperation):
        await fortnox.expenses.update("KM", {"text": "x"})


@pytest.mark.parametrize(
    ("attribute", "fields", "change"),
    [
        ("absence_transactions", {"employee_id": "1", "cause_code": "SJK", "date": date(2026, 1, 5), "extent": 100}, {"extent": 50}),
        ("attendance_transactions", {"employee_id": "2", "cause_code": "TID", "date": date(2026, 1, 5), "hours": 7.5}, {"hours": 6}),
        ("salary_transactions", {"employee_id": "1", "salary_code": "11", "date": date(2026, 1, 25), "number": 2, "amount": 150}, {"number": 3}),
    ],
)  # fmt: skip
async def test_payroll_transactions_lifecycle(
    fortnox: FortnoxClient, attribute: str, fields: dict[str, Any], change: dict[str, Any]
) -> None:
    resource: Resource[Any, Any] = getattr(fortnox, attribute)
    created = await resource.create(fields)
    record_id = str(created.salary_row if attribute == "salary_transactions" else created.id)
    fetched = await resource.get(record_id)
    assert (fetched.employee_id, fetched.date) == (fields["employee_id"], fields["date"])
    page = await resource.list_page(search={"employeeid": fields["employee_id"]})
    assert page.meta.total_resources == 1
    updated = await resource.update(record_id, change)
    ((name, value),) = change.items()
    assert float(getattr(updated, name)) == float(value)
    await resource.delete(record_id)
    with pytest.raises(NotFoundError):
        await resource.get(record_id)


async def test_schedule_times_get_update_and_reset(fortnox: FortnoxClient) -> None:
    day = date(2026, 1, 7)
    assert (await fortnox.schedule_times.get("1", day)).hours == "8"
    assert (await fortnox.schedule_times.get("1", date(2026, 1, 10))).hours == "0"  # Saturday
    changed = await fortnox.schedule_times.update("1", day, {"hours": "5"})
    assert changed.hours == "5"
    reset = await fortnox.schedule_times.reset_day("1", day)
    assert reset.hours == "8"


async def test_financial_years(fortnox: FortnoxClient) -> None:
    years = [y async for y in fortnox.financial_years.iterate()]
    assert years
    current = await fortnox.financial_years.for_date(date(2026, 6, 1))
    assert current is not None
    assert current.from_date is not None
    assert current.from_date <= date(2026, 6, 1) <= (current.to_date or date.max)
    assert (await fortnox.financial_years.get(str(current.id))).id == current.id
    assert await fortnox.financial_years.for_date(date(1990, 1, 1)) is None
    latest = max(years, key=lambda y: y.to_date or date.min)
    assert latest.to_date is not None
    start = date(latest.to_date.year + 1, 1, 1)
    created = await fortnox.financial_years.create(
        {"from_date": start, "to_date": date(start.year, 12, 31), "account_chart_type": "BAS 2014"}
    )
    assert created.from_date == start


async def test_company_records(fortnox: FortnoxClient) -> None:
    info = await fortnox.company_information.get()
    assert info.company_name
    settings = await fortnox.company_settings.get()
    assert settings.name
    locked = await fortnox.locked_period.get()
    assert locked.end_date is None or isinstance(locked.end_date, date)
    me = await fortnox.me.get()
    assert me.email


async def an_article(fortnox: FortnoxClient) -> str:
    article = await fortnox.articles.create({"description": "Arbetstimme", "purchase_price": 400})
    return str(article.article_number)


async def test_order_lifecycle_and_actions(fortnox: FortnoxClient) -> None:
    rows = [{"ArticleNumber": await an_article(fortnox), "OrderedQuantity": 2}]
    order = await fortnox.orders.create({"customer_number": "1", "order_rows": rows})
    number = str(order.document_number)
    assert order.order_rows is not None
    assert len(order.order_rows) == 1
    assert (await fortnox.orders.get(number)).customer_number == "1"
    assert number in [str(o.document_number) async for o in fortnox.orders.iterate()]
    updated = await fortnox.orders.update(number, {"your_reference": "Anna"})
    assert updated.your_reference == "Anna"
    printed = await fortnox.orders.external_print(number)
    assert printed.document_number == order.document_number
    assert (await fortnox.orders.preview(number)).startswith(b"%PDF")
    invoice = await fortnox.orders.create_invoice(number)
    assert invoice.customer_number == "1"
    assert invoice.document_number is not None
    other = await fortnox.orders.create({"customer_number": "1", "order_rows": rows})
    cancelled = await fortnox.orders.cancel(str(other.document_number))
    assert cancelled.cancelled is True


async def test_invoice_lifecycle_and_actions(fortnox: FortnoxClient) -> None:
    rows = [{"ArticleNumber": await an_article(fortnox), "DeliveredQuantity": 3}]
    invoice = await fortnox.invoices.create({"customer_number": "1", "invoice_rows": rows})
    number = str(invoice.document_number)
    assert invoice.ocr
    assert (await fortnox.invoices.get(number)).total == invoice.total
    page = await fortnox.invoices.list_page(filter="unbooked")
    assert number in [str(i.document_number) for i in page.items]
    assert (await fortnox.invoices.update(number, {"comments": "Tack!"})).comments == "Tack!"
    assert (await fortnox.invoices.preview(number)).startswith(b"%PDF")
    assert (await fortnox.invoices.external_print(number)).sent is True
    assert (await fortnox.invoices.email(number)).sent is True
    booked = await fortnox.invoices.bookkeep(number)
    assert booked.booked is True
    credited = await fortnox.invoices.credit(number)
    assert credited.credit_invoice_reference not in (None, "0")
    other = await fortnox.invoices.create({"customer_number": "1", "invoice_rows": rows})
    assert (await fortnox.invoices.cancel(str(other.document_number))).cancelled is True

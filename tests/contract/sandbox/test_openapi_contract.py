"""The OpenAPI check itself: it flags what the document does not allow, the allow-list explains
only listed gaps, and a tour of every operation in scope passes it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest

from .conftest import ApiFactory
from .openapi_check import ALLOWLIST, OpenApiChecker

pytestmark = pytest.mark.reference
KINDS = {"extra", "type", "null", "enum", "content-type", "maxLength", "required"}


def test_every_allowlist_entry_names_one_gap_with_a_reason() -> None:
    gaps = tomllib.loads(ALLOWLIST.read_text(encoding="utf-8"))["gap"]
    for gap in gaps:
        assert {"schema", "field", "reason"} <= set(gap), gap
        assert gap.get("kind", "extra") in KINDS, gap
        assert len(gap["reason"]) > 40, gap
    assert len({(g["schema"], g["field"], g.get("kind", "extra")) for g in gaps}) == len(gaps)


def test_the_checker_flags_undeclared_keys_wrong_types_and_enums(reference_dir: Path) -> None:
    checker = OpenApiChecker(reference_dir / "fortnox-openapi.json")
    body = {
        "Project": {"ProjectNumber": 7, "Status": "PAUSED", "Colour": "red", "Description": "A"}
    }
    response = httpx.Response(200, json=body)
    findings = {(f.field, f.kind) for f in checker.check("GET", "/3/projects/7", response)}
    assert findings == {("ProjectNumber", "type"), ("Status", "enum"), ("Colour", "extra")}
    listed = httpx.Response(200, json={"MetaInformation": {}, "Projects": []})
    assert checker.check("GET", "/3/projects", listed) == []  # MetaInformation is allow-listed


async def test_a_tour_of_every_operation_in_scope_matches_the_document(
    reference_dir: Path, api: ApiFactory, demo_tenant: int
) -> None:
    client = await api(demo_tenant)
    for path in (
        "/3/employees/1", "/3/customers/1", "/3/articles/101", "/3/projects/1",
        "/3/costcenters/ADM", "/3/units/st", "/3/termsofpayments/30", "/3/expenses/1",
        "/3/financialyears/1", "/3/companyinformation", "/3/settings/company",
        "/3/settings/lockedperiod", "/3/me", "/3/scheduletimes/1/2026-01-05",
    ):  # fmt: skip
        assert (await client.get(path)).status_code == 200, path
        collection = path.rsplit("/", 1)[0]
        if collection.count("/") == 2 and collection not in ("/3/settings", "/3"):
            assert (await client.get(collection)).status_code == 200, collection
    order = await client.post("/3/orders", json={"Order": {"CustomerNumber": "1", "OrderRows": [
        {"ArticleNumber": "101", "OrderedQuantity": 2, "DeliveredQuantity": 2}]}})  # fmt: skip
    assert order.status_code == 201
    assert (await client.get("/3/orders")).status_code == 200
    assert (await client.put("/3/orders/1/createinvoice")).status_code == 200
    assert (await client.put("/3/invoices/1/bookkeep")).status_code == 200
    assert (await client.get("/3/invoices", params={"filter": "unpaid"})).status_code == 200
    assert (await client.get("/3/invoices/1/print")).status_code == 200
    absence = {"AbsenceTransaction": {"EmployeeId": "1", "CauseCode": "SEM", "Date": "2026-01-07"}}
    created = await client.post("/3/absencetransactions", json=absence)
    row_id = created.json()["AbsenceTransaction"]["id"]
    assert (await client.get("/3/absencetransactions/1/2026-01-07/SEM")).status_code == 200
    assert (await client.delete(f"/3/absencetransactions/{row_id}")).status_code == 200
    attendance = {
        "AttendanceTransaction": {
            "EmployeeId": "1",
            "CauseCode": "TID",
            "Date": "2026-01-07",
            "Hours": "8",
        }
    }
    assert (await client.post("/3/attendancetransactions", json=attendance)).status_code == 201
    assert (await client.get("/3/attendancetransactions")).status_code == 200
    salary = {"SalaryTransaction": {"EmployeeId": "1", "SalaryCode": "11", "Date": "2026-01-25"}}
    assert (await client.post("/3/salarytransactions", json=salary)).status_code == 201
    assert (await client.get("/3/salarytransactions")).status_code == 200

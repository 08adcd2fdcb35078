"""Per-resource rules of the simple registers: employees, projects, cost centres, customers,
articles, units, terms of payment and expenses."""

from __future__ import annotations

import httpx
import pytest

from .conftest import ApiFactory


@pytest.fixture
async def client(api: ApiFactory, tenant: int) -> httpx.AsyncClient:
    return await api(tenant)


async def test_employee_id_is_at_most_15_and_never_changes(client: httpx.AsyncClient) -> None:
    long = await client.post(
        "/3/employees",
        json={"Employee": {"FirstName": "A", "LastName": "B", "EmployeeId": "X" * 16}},
    )
    assert long.json()["ErrorInformation"]["code"] == 2000729
    ok = await client.post(
        "/3/employees", json={"Employee": {"FirstName": "A", "LastName": "B", "EmployeeId": "E-15"}}
    )
    assert ok.json()["Employee"]["FullName"] == "A B"
    changed = await client.put("/3/employees/E-15", json={"Employee": {"EmployeeId": "E-16"}})
    assert changed.status_code == 400
    assert changed.json()["ErrorInformation"]["code"] == 2000729
    same = await client.put(
        "/3/employees/E-15", json={"Employee": {"EmployeeId": "E-15", "City": "Ed"}}
    )
    assert same.json()["Employee"]["City"] == "Ed"


async def test_employee_text_fields_refuse_what_fortnox_refuses(client: httpx.AsyncClient) -> None:
    base = {"FirstName": "Åsa", "LastName": "O’Brien-Öberg"}
    for field, value in (
        ("FirstName", "A\u0000B"),
        ("LastName", "Ek 😀"),
        ("City", "Kalmar\u202e"),
        ("Address1", "<script>"),
        ("Address2", "Gatan\t1"),
        ("Country", "Sverige'"),
        ("Phone1", "070|123"),
    ):
        refused = await client.post("/3/employees", json={"Employee": {**base, field: value}})
        assert refused.status_code == 400, field
        assert refused.json()["ErrorInformation"] == {
            "error": 1,
            "message": f"Värdet innehåller ej tillåtna tecken: {field}.",
            "code": 2000359,
        }
    fine = await client.post(
        "/3/employees",
        json={"Employee": {**base, "Address1": "c/o Zoë & Co, 2 tr. #3 (baksidan)",
                           "City": "Malmö", "Phone1": "+46 (0)70-123 45 67"}},
    )  # fmt: skip
    assert fine.status_code == 201
    employee = fine.json()["Employee"]
    changed = await client.put(
        f"/3/employees/{employee['EmployeeId']}", json={"Employee": {"City": "Malmö 😀"}}
    )
    assert changed.json()["ErrorInformation"]["code"] == 2000359
    other = await client.put(  # fields without a rule are not checked
        f"/3/employees/{employee['EmployeeId']}", json={"Employee": {"JobTitle": "Chef 😀"}}
    )
    assert other.status_code == 200


async def test_employee_dated_schedules_rules(client: httpx.AsyncClient) -> None:
    base = {"FirstName": "A", "LastName": "B"}
    both = await client.post(
        "/3/employees",
        json={"Employee": {**base, "ScheduleId": "HEL",
                           "DatedSchedules": [{"FirstDay": "1970-01-01", "ScheduleId": "HEL"}]}},
    )  # fmt: skip
    assert both.status_code == 400
    no_epoch = await client.post(
        "/3/employees",
        json={
            "Employee": {
                **base,
                "DatedSchedules": [{"FirstDay": "2020-01-01", "ScheduleId": "HEL"}],
            }
        },
    )
    assert no_epoch.status_code == 400
    dated = [
        {"FirstDay": "1970-01-01", "ScheduleId": "HEL"},
        {"FirstDay": "2026-02-01", "ScheduleId": "DEL"},
    ]
    created = await client.post(
        "/3/employees", json={"Employee": {**base, "DatedSchedules": dated}}
    )
    employee = created.json()["Employee"]
    assert employee["ScheduleId"] == "DEL"
    assert [r["EmployeeId"] for r in employee["DatedSchedules"]] == ["1", "1"]


async def test_project_number_characters_length_and_status(client: httpx.AsyncClient) -> None:
    ok = await client.post(
        "/3/projects", json={"Project": {"ProjectNumber": "Åre_2/3+4-x", "Description": "Fjäll"}}
    )
    assert ok.status_code == 201
    assert ok.json()["Project"]["Status"] == "ONGOING"
    assert ok.json()["Project"]["@url"] == "https://api.fortnox.se/3/projects/%C3%85re_2%2F3%2B4-x"
    for number, code in (("P 1", 2000359), ("P#1", 2000359), ("X" * 21, 2000729)):
        bad = await client.post(
            "/3/projects", json={"Project": {"ProjectNumber": number, "Description": "A"}}
        )
        assert bad.json()["ErrorInformation"]["code"] == code, number
    emoji = await client.post("/3/projects", json={"Project": {"Description": "Bygget 🏗"}})
    assert emoji.json()["ErrorInformation"]["code"] == 2000359
    long = await client.post("/3/projects", json={"Project": {"Description": "D" * 51}})
    assert long.json()["ErrorInformation"]["code"] == 2990002
    status = await client.post(
        "/3/projects", json={"Project": {"Description": "A", "Status": "DONE"}}
    )
    assert status.json()["ErrorInformation"]["code"] == 2990003
    auto = await client.post("/3/projects", json={"Project": {"Description": "Auto"}})
    assert auto.json()["Project"]["ProjectNumber"] == "1"


async def test_cost_centre_code_is_given_and_at_most_6(client: httpx.AsyncClient) -> None:
    missing = await client.post("/3/costcenters", json={"CostCenter": {"Description": "A"}})
    assert missing.json()["ErrorInformation"]["code"] == 2000729
    long = await client.post(
        "/3/costcenters", json={"CostCenter": {"Code": "SEVENXX", "Description": "A"}}
    )
    assert long.json()["ErrorInformation"]["code"] == 2000729
    ok = await client.post(
        "/3/costcenters", json={"CostCenter": {"Code": "SÄLJ", "Description": "Sälj"}}
    )
    assert ok.json()["CostCenter"] == {
        "@url": "https://api.fortnox.se/3/costcenters/S%C3%84LJ",
        "Active": True,
        "Code": "SÄLJ",
        "Description": "Sälj",
        "Note": "",
    }
    twice = await client.post(
        "/3/costcenters", json={"CostCenter": {"Code": "SÄLJ", "Description": "B"}}
    )
    assert twice.json()["ErrorInformation"]["code"] == 2000729
    assert (await client.delete("/3/costcenters/SÄLJ")).status_code == 204
    assert (await client.get("/3/costcenters/SÄLJ")).status_code == 404


async def test_customer_numbers_stay_reserved_after_delete(client: httpx.AsyncClient) -> None:
    await client.post("/3/customers", json={"Customer": {"Name": "A"}})
    await client.post("/3/customers", json={"Customer": {"Name": "B", "CustomerNumber": "K-7"}})
    taken = await client.post(
        "/3/customers", json={"Customer": {"Name": "C", "CustomerNumber": "K-7"}}
    )
    assert taken.json()["ErrorInformation"]["code"] == 2000637
    assert (await client.delete("/3/customers/1")).status_code == 204
    again = await client.post(
        "/3/customers", json={"Customer": {"Name": "D", "CustomerNumber": "1"}}
    )
    assert again.status_code == 400
    assert again.json()["ErrorInformation"]["code"] == 2000637
    fresh = await client.post("/3/customers", json={"Customer": {"Name": "E"}})
    assert fresh.json()["Customer"]["CustomerNumber"] == "2"


async def test_customer_defaults_country_names_and_list_phone(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/3/customers", json={"Customer": {"Name": "Kund", "CountryCode": "SE", "Phone1": "08-1"}}
    )
    customer = created.json()["Customer"]
    assert (customer["Country"], customer["Currency"], customer["VATType"]) == (
        "Sverige",
        "SEK",
        "SEVAT",
    )
    assert customer["DefaultDeliveryTypes"] == {
        "Invoice": "PRINT",
        "Order": "PRINT",
        "Offer": "PRINT",
    }
    assert (customer["Address1"], customer["Email"]) == (None, "")  # as recorded
    item = (await client.get("/3/customers")).json()["Customers"][0]
    assert (item["Phone"], item["Address1"]) == ("08-1", "")


async def test_article_defaults_rounding_and_list_types(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/3/articles",
        json={"Article": {"Description": "Skruv", "QuantityInStock": 1.126, "PurchasePrice": 2}},
    )
    article = created.json()["Article"]
    assert (article["VAT"], article["SalesAccount"], article["Type"]) == (25, 3001, "STOCK")
    assert (article["QuantityInStock"], article["DisposableQuantity"]) == (1.13, 1.13)
    assert article["StockValue"] == 2.26
    item = (await client.get("/3/articles")).json()["Articles"][0]
    assert (item["QuantityInStock"], item["PurchasePrice"], item["VAT"]) == ("1.13", "2", None)
    minimum = await client.post(
        "/3/articles", json={"Article": {"Description": "Min", "QuantityInStock": -1e14}}
    )
    assert minimum.json()["Article"]["QuantityInStock"] == -100000000000000


async def test_units_terms_and_expenses(client: httpx.AsyncClient) -> None:
    unit = await client.post(
        "/3/units", json={"Unit": {"Code": "blarg9", "Description": "A value"}}
    )
    assert unit.json()["Unit"]["CodeEnglish"] == ""
    long = await client.post("/3/units", json={"Unit": {"Code": "U" * 21, "Description": "A"}})
    assert long.status_code == 400
    terms = (await client.get("/3/termsofpayments")).json()["TermsOfPayments"]
    assert {"Code": "30", "Description": "30 dagar"} in [
        {"Code": t["Code"], "Description": t["Description"]} for t in terms
    ]
    expense = await client.post(
        "/3/expenses", json={"Expense": {"Code": "7", "Text": "Parkering", "Account": 7331}}
    )
    assert expense.json()["Expense"]["Account"] == 7331
    assert (await client.get("/3/expenses/7")).json()["Expense"]["Text"] == "Parkering"

"""What every register shares: paging, filters, search, sorting, lastmodified, body checks,
partial PUT with API_BLANK, Location words and the not-found envelope."""

from __future__ import annotations

import httpx
import pytest

from fortnox_bridge.clock import ManualClock

from .conftest import ApiFactory


@pytest.fixture
async def client(api: ApiFactory, tenant: int) -> httpx.AsyncClient:
    return await api(tenant)


async def _customers(client: httpx.AsyncClient, *names: str) -> None:
    for name in names:
        response = await client.post("/3/customers", json={"Customer": {"Name": name}})
        assert response.status_code == 201, response.text


async def test_paging_with_limit_page_offset_and_meta_information(
    client: httpx.AsyncClient,
) -> None:
    await _customers(client, *(f"Kund {n}" for n in range(1, 8)))
    body = (await client.get("/3/customers", params={"limit": 3, "page": 2})).json()
    assert body["MetaInformation"] == {"@TotalResources": 7, "@TotalPages": 3, "@CurrentPage": 2}
    assert [c["CustomerNumber"] for c in body["Customers"]] == ["4", "5", "6"]
    skipped = (await client.get("/3/customers", params={"offset": 5})).json()
    assert [c["CustomerNumber"] for c in skipped["Customers"]] == ["6", "7"]
    assert skipped["MetaInformation"]["@TotalResources"] == 2
    past = (await client.get("/3/customers", params={"offset": 10000})).json()
    assert past["MetaInformation"] == {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1}
    for params in ({"limit": 501}, {"limit": 0}, {"page": 0}, {"offset": -1}, {"limit": "x"}):
        bad = await client.get("/3/customers", params=params)
        assert bad.status_code == 400
        assert bad.json()["ErrorInformation"]["code"] == 2000588


async def test_search_is_case_insensitive_substring_and_params_combine(
    client: httpx.AsyncClient,
) -> None:
    for name, city in (("Alfa AB", "Uppsala"), ("Beta AB", "Umeå"), ("Gamma HB", "Uppsala")):
        await client.post("/3/customers", json={"Customer": {"Name": name, "City": city}})
    found = (await client.get("/3/customers", params={"name": "ab"})).json()["Customers"]
    assert [c["Name"] for c in found] == ["Alfa AB", "Beta AB"]
    both = (await client.get("/3/customers", params={"city": "uppsala", "name": "a h"})).json()
    assert [c["Name"] for c in both["Customers"]] == ["Gamma HB"]
    miss = (await client.get("/3/customers", params={"name": "special char å"})).json()
    assert miss == {
        "MetaInformation": {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1},
        "Customers": [],
    }


async def test_filter_values_and_the_recorded_invalid_filter_answer(
    client: httpx.AsyncClient,
) -> None:
    await _customers(client, "Aktiv")
    await client.post("/3/customers", json={"Customer": {"Name": "Vilande", "Active": False}})
    active = (await client.get("/3/customers", params={"filter": "active"})).json()["Customers"]
    inactive = (await client.get("/3/customers", params={"filter": "inactive"})).json()
    assert [c["Name"] for c in active] == ["Aktiv"]
    assert [c["Name"] for c in inactive["Customers"]] == ["Vilande"]
    wrong = await client.get("/3/customers", params={"filter": "doesntexist"})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "ErrorInformation": {
            "error": 1,
            "message": "Ett ogiltigt filter har använts.",
            "code": 2000587,
        }
    }


async def test_sortby_and_sortorder(client: httpx.AsyncClient) -> None:
    await _customers(client, "Örjan", "Anna", "Bertil")
    names = (await client.get("/3/customers", params={"sortby": "name"})).json()["Customers"]
    assert [c["Name"] for c in names] == ["Anna", "Bertil", "Örjan"]
    down = await client.get(
        "/3/customers", params={"sortby": "customernumber", "sortorder": "descending"}
    )
    assert [c["CustomerNumber"] for c in down.json()["Customers"]] == ["3", "2", "1"]
    for params in ({"sortby": "city"}, {"sortorder": "sideways"}):
        assert (await client.get("/3/customers", params=params)).status_code == 400


async def test_lastmodified_returns_records_changed_since(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    await _customers(client, "Gammal")
    clock.advance(1800)  # 2026-01-01 00:30
    await _customers(client, "Ny")
    since = await client.get("/3/customers", params={"lastmodified": "2026-01-01 00:15"})
    assert [c["Name"] for c in since.json()["Customers"]] == ["Ny"]
    clock.advance(60)
    await client.put("/3/customers/1", json={"Customer": {"City": "Gävle"}})
    changed = await client.get("/3/customers", params={"lastmodified": "2026-01-01 00:31"})
    assert [c["Name"] for c in changed.json()["Customers"]] == ["Gammal"]
    assert (await client.get("/3/customers", params={"lastmodified": "igår"})).status_code == 400
    refused = await client.get("/3/units", params={"lastmodified": "2026-01-01"})
    assert refused.json()["ErrorInformation"]["code"] == 2000588


async def test_partial_put_api_blank_and_empty_string(client: httpx.AsyncClient) -> None:
    await client.post(
        "/3/customers", json={"Customer": {"Name": "Kund", "City": "Lund", "Phone1": "070-1"}}
    )
    updated = await client.put(
        "/3/customers/1", json={"Customer": {"City": "", "Phone1": "API_BLANK", "ZipCode": "222"}}
    )
    record = updated.json()["Customer"]
    assert record["City"] == "Lund"  # "" leaves the value (recorded)
    assert record["Phone1"] is None  # blanked; customers show unset text as null
    assert (record["ZipCode"], record["Name"]) == ("222", "Kund")


@pytest.mark.parametrize(
    ("path", "body", "word"),
    [
        ("/3/customers", {"Customer": {"Name": "A"}}, "customers"),
        ("/3/articles", {"Article": {"Description": "A"}}, "articles"),
        ("/3/projects", {"Project": {"Description": "A"}}, "project"),
        ("/3/units", {"Unit": {"Code": "lå", "Description": "Låda"}}, "units"),
        (
            "/3/termsofpayments",
            {"TermsOfPayment": {"Code": "21DAYS", "Description": "A"}},
            "paymentterms",
        ),
        ("/3/costcenters", {"CostCenter": {"Code": "IT", "Description": "IT"}}, "costcenters"),
        ("/3/employees", {"Employee": {"FirstName": "A", "LastName": "B"}}, "employees"),
    ],
)
async def test_create_answers_201_with_the_bare_location_word(
    client: httpx.AsyncClient, path: str, body: dict[str, object], word: str
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == word


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("/3/customers/123456789", 2000433, "Kan inte hitta kunden."),
        ("/3/articles/123456789", 2000428, "Kan inte hitta artikeln."),
        ("/3/invoices/123456789", 2000434, "Kan inte hitta fakturan."),
        ("/3/orders/123456789", 2000439, "Kan inte hitta ordern."),
        ("/3/projects/123456789", 2001161, "Kan inte hitta projektet."),
        ("/3/units/123456789", 2000432, "Kan inte hitta enheten."),
        ("/3/termsofpayments/123456789", 2000429, "Kan inte hitta betalningsvillkoret."),
        ("/3/employees/123456789", 2000436, "Kan inte hitta den anställde."),
    ],
)
async def test_unknown_ids_answer_the_pascal_case_404(
    client: httpx.AsyncClient, path: str, code: int, message: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == {"ErrorInformation": {"Error": 1, "Message": message, "Code": code}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Customer": {"Name": "A", "Shoesize": 44}}, 2001399),
        ({"Customer": {"Name": "A", "InvoiceDiscount": "mycket"}}, 2000108),
        ({"Customer": {"Name": "A", "Active": "ja"}}, 2000134),
        ({"Customer": {"Name": ["A"]}}, 2000106),
        ({"Customer": {"Name": "A", "ZipCode": "12345678901"}}, 2990002),
        ({"Customer": {"Name": "A", "Type": "ALIEN"}}, 2990003),
        ({"Customer": {"Name": "A", "CountryCode": "S"}}, 2990003),
        ({"Customer": {"City": "Lund"}}, 2990001),
        ({"Customer": {"Name": "A", "DefaultDeliveryTypes": {"Invoice": "FAX"}}}, 2990003),
        ({"Kund": {"Name": "A"}}, 2001392),
    ],
)
async def test_bodies_are_checked_against_the_model(
    client: httpx.AsyncClient, body: dict[str, object], code: int
) -> None:
    response = await client.post("/3/customers", json=body)
    assert response.status_code == 400
    info = response.json()["ErrorInformation"]
    assert set(info) == {"error", "message", "code"}  # validation answers are lower-case
    assert info["code"] == code


async def test_numbers_sent_as_strings_are_accepted_and_read_only_fields_ignored(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(
        "/3/articles",
        json={"Article": {"Description": "A", "SalesAccount": "3002", "PurchasePrice": "12.5",
                          "StockValue": 999, "@url": "ignored"}},
    )  # fmt: skip
    article = created.json()["Article"]
    assert (article["SalesAccount"], article["PurchasePrice"]) == (3002, 12.5)
    assert article["StockValue"] == 0


async def test_operations_the_catalogue_lacks_are_not_served(client: httpx.AsyncClient) -> None:
    await client.post("/3/employees", json={"Employee": {"FirstName": "A", "LastName": "B"}})
    assert (await client.delete("/3/employees/1")).status_code == 405  # no DELETE in Fortnox
    await client.post("/3/expenses", json={"Expense": {"Code": "9", "Text": "T", "Account": 6110}})
    assert (await client.put("/3/expenses/9", json={"Expense": {"Text": "X"}})).status_code == 405

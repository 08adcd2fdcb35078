"""Orders and invoices: defaults, rows and row ids, housework rules, OCR, due dates, bookkeeping,
cancel, credit, printing; financial years and the locked period; company records."""

from __future__ import annotations

import httpx
import pytest

from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import ApiFactory


@pytest.fixture
async def client(api: ApiFactory, demo_tenant: int) -> httpx.AsyncClient:
    return await api(demo_tenant)


def invoice_body(**fields: object) -> dict[str, object]:
    return {"Invoice": {"CustomerNumber": "1", **fields}}


async def _invoice(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    response = await client.post("/3/invoices", json=invoice_body(**fields))
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "invoices"
    record: dict[str, object] = response.json()["Invoice"]
    return record


async def test_invoice_defaults_customer_copy_ocr_and_due_date(client: httpx.AsyncClient) -> None:
    invoice = await _invoice(client, Comments="A value")
    assert invoice["DocumentNumber"] == "1"
    assert (invoice["OCR"], invoice["InvoiceDate"], invoice["DueDate"]) == (
        "133",
        "2026-01-01",
        "2026-01-31",
    )
    assert (invoice["CustomerName"], invoice["City"]) == ("Bygg & Montage i Uppsala AB", "Uppsala")
    assert (invoice["Credit"], invoice["CreditInvoiceReference"], invoice["InvoiceReference"]) == (
        "false",
        "0",
        "0",
    )
    assert (invoice["VoucherNumber"], invoice["InvoicePeriodStart"], invoice["TaxReduction"]) == (
        None,
        "",
        None,
    )
    assert invoice["EmailInformation"]["EmailSubject"] == "Faktura {no} bifogas"
    assert invoice["EmailInformation"]["EmailAddressTo"] == "faktura@byggmontage.se"
    assert invoice["@urlTaxReductionList"].endswith(
        "taxreductions?filter=invoices&referencenumber=1"
    )
    terms = await _invoice(client, TermsOfPayment="10", InvoiceDate="2026-02-10")
    assert terms["DueDate"] == "2026-02-20"
    given = await _invoice(client, OCR="426523791")
    assert given["OCR"] == "426523791"
    unknown = await client.post("/3/invoices", json={"Invoice": {"CustomerNumber": "404"}})
    assert unknown.json()["ErrorInformation"]["code"] == 2000433


async def test_rows_take_article_defaults_totals_and_truncated_descriptions(
    client: httpx.AsyncClient,
) -> None:
    rows = [
        {"ArticleNumber": "101", "DeliveredQuantity": 2, "Price": 100},
        {"Description": "x" * 300, "DeliveredQuantity": "1.125", "Price": 10.005, "VAT": 12},
    ]
    invoice = await _invoice(client, InvoiceRows=rows)
    first, second = invoice["InvoiceRows"]
    assert (first["Description"], first["AccountNumber"], first["VAT"], first["Unit"]) == (
        "Hammare",
        3001,
        25,
        "st",
    )
    assert (first["Total"], first["DeliveredQuantity"], first["Cost"]) == (200, "2", 0)
    assert len(second["Description"]) == 255  # Fortnox cuts, it does not refuse (recorded)
    assert (second["DeliveredQuantity"], second["Price"]) == ("1.12", 10.01)
    assert (invoice["Net"], invoice["TotalVAT"]) == (211.21, 51.35)
    assert (invoice["Total"], invoice["RoundOff"]) == (263, 0.44)
    bad_account = await client.post(
        "/3/invoices", json=invoice_body(InvoiceRows=[{"AccountNumber": 1999}])
    )
    assert bad_account.json()["ErrorInformation"]["code"] == 2001304


async def test_row_ids_are_regenerated_on_every_update_and_matched_by_row_id(
    client: httpx.AsyncClient,
) -> None:
    rows = [
        {"Description": "A", "Price": 1},
        {"Description": "B", "Price": 2},
        {"Description": "C"},
    ]
    invoice = await _invoice(client, InvoiceRows=rows)
    ids = [row["RowId"] for row in invoice["InvoiceRows"]]
    kept = {
        "Invoice": {
            "InvoiceRows": [{"RowId": ids[2]}, {"RowId": ids[0], "Price": 5}, {"Description": "D"}]
        }
    }
    updated = (await client.put("/3/invoices/1", json=kept)).json()["Invoice"]
    assert [(r["Description"], r["Price"]) for r in updated["InvoiceRows"]] == [
        ("C", 0),
        ("A", 5),
        ("D", 0),
    ]
    new_ids = [row["RowId"] for row in updated["InvoiceRows"]]
    assert not set(new_ids) & set(ids)
    positional = {"Invoice": {"InvoiceRows": [{"Price": 9}]}}
    replaced = (await client.put("/3/invoices/1", json=positional)).json()["Invoice"]
    assert [(r["Description"], r["Price"]) for r in replaced["InvoiceRows"]] == [("C", 9)]
    touched = (await client.put("/3/invoices/1", json={"Invoice": {"Comments": "x"}})).json()[
        "Invoice"
    ]
    assert touched["InvoiceRows"][0]["RowId"] != replaced["InvoiceRows"][0]["RowId"]


async def test_bookkeep_makes_the_invoice_immutable_and_numbers_a_voucher(
    client: httpx.AsyncClient,
) -> None:
    await _invoice(
        client, InvoiceRows=[{"ArticleNumber": "202", "DeliveredQuantity": 1, "Price": 950}]
    )
    booked = (await client.put("/3/invoices/1/bookkeep")).json()["Invoice"]
    assert (
        booked["Booked"],
        booked["VoucherSeries"],
        booked["VoucherNumber"],
        booked["VoucherYear"],
    ) == (True, "B", 1, 2)
    refused = await client.put("/3/invoices/1", json={"Invoice": {"Comments": "ändrad"}})
    assert refused.status_code == 400
    assert refused.json()["ErrorInformation"]["code"] == 2990008
    assert (await client.put("/3/invoices/1/bookkeep")).status_code == 400
    assert (await client.put("/3/invoices/1/cancel")).status_code == 400  # credit it instead
    listed = await client.get("/3/invoices", params={"filter": "unbooked"})
    assert listed.json()["Invoices"] == []
    unpaid = await client.get("/3/invoices", params={"filter": "unpaid"})
    assert [i["DocumentNumber"] for i in unpaid.json()["Invoices"]] == ["1"]


async def test_credit_creates_a_credit_invoice_and_links_both(client: httpx.AsyncClient) -> None:
    await _invoice(
        client, InvoiceRows=[{"ArticleNumber": "202", "DeliveredQuantity": 2, "Price": 100}]
    )
    await client.put("/3/invoices/1/bookkeep")
    original = (await client.put("/3/invoices/1/credit")).json()["Invoice"]
    assert original["CreditInvoiceReference"] == "2"
    credit = (await client.get("/3/invoices/2")).json()["Invoice"]
    assert (credit["Credit"], credit["CreditInvoiceReference"], credit["Total"]) == (
        "true",
        "1",
        -250,
    )
    assert credit["InvoiceRows"][0]["DeliveredQuantity"] == "-2"
    assert (await client.put("/3/invoices/1/credit")).status_code == 400


async def test_cancel_externalprint_and_pdf_preview(client: httpx.AsyncClient) -> None:
    await _invoice(client)
    preview = await client.get("/3/invoices/1/preview")
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF-1.4")
    assert preview.content.rstrip().endswith(b"%%EOF")
    assert (await client.get("/3/invoices/1")).json()["Invoice"]["Sent"] is False  # preview only
    printed = (await client.put("/3/invoices/1/externalprint")).json()["Invoice"]
    assert printed["Sent"] is True
    cancelled = (await client.put("/3/invoices/1/cancel")).json()["Invoice"]
    assert (cancelled["Cancelled"], cancelled["Balance"]) == (True, 0)
    assert (
        await client.put("/3/invoices/1", json={"Invoice": {"Comments": "x"}})
    ).status_code == 400
    hit = await client.get("/3/invoices", params={"filter": "cancelled"})
    assert [i["DocumentNumber"] for i in hit.json()["Invoices"]] == ["1"]


async def test_order_defaults_and_createinvoice(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/3/orders",
        json={
            "Order": {
                "CustomerNumber": "2",
                "OrderRows": [{"ArticleNumber": "102", "OrderedQuantity": 3, "Price": 1500}],
            }
        },
    )
    assert (created.status_code, created.headers["location"]) == (201, "orders")
    order = created.json()["Order"]
    assert (order["DeliveryState"], order["OrderType"], order["PrintTemplate"]) == (
        "delivery",
        "Order",
        "oc",
    )
    assert (order["InvoiceReference"], order["OrderRows"][0]["OrderedQuantity"]) == ("0", "3")
    assert order["OrderRows"][0]["Total"] == 0  # only delivered quantities count (recorded)
    made = await client.put("/3/orders/1/createinvoice")
    invoice = made.json()["Invoice"]
    assert (invoice["OrderReference"], invoice["InvoiceRows"][0]["DeliveredQuantity"]) == ("1", "3")
    assert invoice["Total"] == 5625
    assert (await client.get("/3/orders/1")).json()["Order"]["InvoiceReference"] == invoice[
        "DocumentNumber"
    ]
    assert (await client.put("/3/orders/1/createinvoice")).status_code == 400
    assert (await client.put("/3/orders/1/cancel")).status_code == 400
    hits = await client.get("/3/orders", params={"filter": "invoicecreated"})
    assert [o["DocumentNumber"] for o in hits.json()["Orders"]] == ["1"]


async def test_a_cost_centre_or_project_a_document_names_must_exist(
    client: httpx.AsyncClient,
) -> None:
    row = {"ArticleNumber": "102", "OrderedQuantity": 1, "CostCenter": "NORR"}
    refused = await client.post(
        "/3/orders", json={"Order": {"CustomerNumber": "2", "OrderRows": [row]}}
    )
    assert refused.status_code == 400
    error = refused.json()["ErrorInformation"]
    assert (error["code"], error["message"]) == (2990010, "Kostnadsställe NORR finns inte.")
    head = await client.post("/3/invoices", json=invoice_body(Project="P9"))
    assert head.json()["ErrorInformation"]["message"] == "Projekt P9 finns inte."
    assert (await client.get("/3/orders")).json()["Orders"] == []  # nothing was stored
    made = await client.post(
        "/3/costcenters", json={"CostCenter": {"Code": "NORR", "Description": "Norr"}}
    )
    assert made.status_code == 201, made.text
    taken = await client.post(
        "/3/orders", json={"Order": {"CustomerNumber": "2", "OrderRows": [row]}}
    )
    assert taken.status_code == 201, taken.text
    assert taken.json()["Order"]["OrderRows"][0]["CostCenter"] == "NORR"


async def test_order_cancel(client: httpx.AsyncClient) -> None:
    await client.post("/3/orders", json={"Order": {"CustomerNumber": "1"}})
    cancelled = (await client.put("/3/orders/1/cancel")).json()["Order"]
    assert cancelled["Cancelled"] is True
    assert (await client.put("/3/orders/1/createinvoice")).status_code == 400


@pytest.mark.parametrize(
    ("reduction", "work", "house_work", "code"),
    [
        ("rut", "CONSTRUCTION", True, 2004021),
        ("rot", "OTHERCOSTS", True, 2002980),
        ("rut", "COOKING", True, 2003157),
        ("rut", "TUTORING", True, 2003157),
        ("rot", "OTHERCOSTS", False, None),
        ("rot", "MASONRY", True, None),
        ("rut", "MAJORAPPLIANCEREPAIR", True, None),
    ],
)
async def test_housework_rules_answer_the_recorded_codes(
    client: httpx.AsyncClient, reduction: str, work: str, house_work: bool, code: int | None
) -> None:
    row = {
        "ArticleNumber": "101",
        "HouseWork": house_work,
        "HouseWorkType": work,
        "OrderedQuantity": 1.0,
    }
    body = {"Order": {"CustomerNumber": "1", "TaxReductionType": reduction, "OrderRows": [row]}}
    response = await client.post("/3/orders", json=body)
    if code is None:
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert response.json()["ErrorInformation"]["code"] == code


async def test_financial_years_do_not_overlap_and_dated_writes_need_one(
    client: httpx.AsyncClient,
) -> None:
    years = (await client.get("/3/financialyears")).json()["FinancialYears"]
    assert [(y["Id"], y["FromDate"]) for y in years] == [(1, "2025-01-01"), (2, "2026-01-01")]
    by_date = await client.get("/3/financialyears", params={"date": "2025-06-30"})
    assert [y["Id"] for y in by_date.json()["FinancialYears"]] == [1]
    overlap = await client.post(
        "/3/financialyears",
        json={"FinancialYear": {"FromDate": "2026-07-01", "ToDate": "2027-06-30"}},
    )
    assert overlap.json()["ErrorInformation"]["code"] == 2990007
    outside = await client.post("/3/invoices", json=invoice_body(InvoiceDate="2027-03-01"))
    assert outside.json()["ErrorInformation"]["code"] == 2990005
    created = await client.post(
        "/3/financialyears",
        json={"FinancialYear": {"FromDate": "2027-01-01", "ToDate": "2027-12-31"}},
    )
    assert created.json()["FinancialYear"]["Id"] == 3
    assert (
        await client.post("/3/invoices", json=invoice_body(InvoiceDate="2027-03-01"))
    ).status_code == 201


async def test_writes_on_or_before_the_locked_date_fail(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    await _invoice(client, InvoiceDate="2025-06-01")
    await control.company_settings(demo_tenant, locked_period_end="2025-06-30")
    locked = await client.get("/3/settings/lockedperiod")
    assert locked.json() == {"LockedPeriod": {"EndDate": "2025-06-30"}}
    on_the_day = await client.post("/3/invoices", json=invoice_body(InvoiceDate="2025-06-30"))
    assert on_the_day.json()["ErrorInformation"]["code"] == 2990006
    assert (
        await client.put("/3/invoices/1", json={"Invoice": {"Comments": "x"}})
    ).status_code == 400
    assert (await client.put("/3/invoices/1/bookkeep")).status_code == 400
    assert (
        await client.post("/3/invoices", json=invoice_body(InvoiceDate="2025-07-01"))
    ).status_code == 201


async def test_company_information_settings_and_me(
    client: httpx.AsyncClient, demo_tenant: int
) -> None:
    info = (await client.get("/3/companyinformation")).json()["CompanyInformation"]
    assert (info["DatabaseNumber"], info["CompanyName"], info["OrganizationNumber"]) == (
        demo_tenant,
        "Demo AB",
        "556677-8899",
    )
    settings = (await client.get("/3/settings/company")).json()["CompanySettings"]
    assert (settings["DatabaseNumber"], settings["City"]) == (str(demo_tenant), "Uppsala")
    me = (await client.get("/3/me")).json()["MeInformation"]
    assert (me["Name"], me["SysAdmin"]) == ("Astrid Lindqvist", True)
    assert "@url" not in info


async def test_email_sends_to_the_customer_address_and_marks_the_invoice_sent(
    client: httpx.AsyncClient,
) -> None:
    invoice = await _invoice(client)
    assert invoice["EmailInformation"]["EmailAddressTo"] == "faktura@byggmontage.se"
    sent = await client.get(f"/3/invoices/{invoice['DocumentNumber']}/email")
    assert sent.status_code == 200, sent.text
    assert sent.json()["Invoice"]["Sent"] is True
    assert (await client.get(f"/3/invoices/{invoice['DocumentNumber']}")).json()["Invoice"][
        "Sent"
    ] is True


async def test_email_without_an_address_or_of_a_cancelled_invoice_is_refused(
    client: httpx.AsyncClient,
) -> None:
    customer = await client.post("/3/customers", json={"Customer": {"Name": "Utan e-post AB"}})
    number = customer.json()["Customer"]["CustomerNumber"]
    blank = await _invoice(client, CustomerNumber=number)
    refused = await client.get(f"/3/invoices/{blank['DocumentNumber']}/email")
    assert refused.status_code == 400
    assert refused.json()["ErrorInformation"]["code"] == 2990011
    assert (await client.get(f"/3/invoices/{blank['DocumentNumber']}")).json()["Invoice"][
        "Sent"
    ] is False
    cancelled = await _invoice(client)
    await client.put(f"/3/invoices/{cancelled['DocumentNumber']}/cancel")
    again = await client.get(f"/3/invoices/{cancelled['DocumentNumber']}/email")
    assert again.json()["ErrorInformation"]["code"] == 2990009


async def test_an_invoiced_order_is_closed_and_its_invoice_carries_its_rows(
    client: httpx.AsyncClient,
) -> None:
    rows = [
        {"ArticleNumber": "101", "OrderedQuantity": 2, "DeliveredQuantity": 1, "Price": 80,
         "CostCenter": "", "Description": "Hammare"},
        {"Description": "Arbete enligt avtal"},
    ]  # fmt: skip
    created = await client.post(
        "/3/orders",
        json={"Order": {"CustomerNumber": "1", "OrderRows": rows, "Remarks": "Service",
                        "ExternalInvoiceReference1": "SO-7", "YourOrderNumber": "PO-1"}},
    )  # fmt: skip
    number = created.json()["Order"]["DocumentNumber"]
    invoice = (await client.put(f"/3/orders/{number}/createinvoice")).json()["Invoice"]
    assert (invoice["OrderReference"], invoice["ExternalInvoiceReference1"]) == (number, "SO-7")
    assert (invoice["Remarks"], invoice["YourOrderNumber"]) == ("Service", "PO-1")
    first, text = invoice["InvoiceRows"]
    assert (first["ArticleNumber"], first["DeliveredQuantity"], first["Price"]) == ("101", "1", 80)
    assert text["Description"] == "Arbete enligt avtal"
    changed = await client.put(f"/3/orders/{number}", json={"Order": {"Remarks": "x"}})
    assert (changed.status_code, changed.json()["ErrorInformation"]["code"]) == (400, 2990008)
    printed = await client.get(f"/3/invoices/{invoice['DocumentNumber']}/print")
    assert printed.headers["content-type"] == "application/pdf"
    shown = (await client.get(f"/3/invoices/{invoice['DocumentNumber']}")).json()["Invoice"]
    assert shown["Sent"] is True
    booked = await client.put(f"/3/invoices/{invoice['DocumentNumber']}/bookkeep")
    assert booked.json()["Invoice"]["Booked"] is True

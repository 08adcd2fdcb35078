"""The ledger's rules in the sandbox: balanced vouchers, numbering per series and financial year,
dates inside the year booked in and after the locked period, account settings on rows, and
accounts that vouchers use."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport

from .conftest import BASE_URL, ApiFactory

BALANCED = [{"Account": 1930, "Debit": 1000}, {"Account": 3001, "Credit": "1000.00"}]


@pytest.fixture
async def client(api: ApiFactory, demo_tenant: int) -> httpx.AsyncClient:
    return await api(demo_tenant)


def voucher(day: str = "2026-02-10", series: str = "A", rows: Any = None) -> dict[str, Any]:
    return {
        "Voucher": {
            "Description": "Försäljning kontant",
            "TransactionDate": day,
            "VoucherSeries": series,
            "VoucherRows": BALANCED if rows is None else rows,
        }
    }


async def test_unbalanced_voucher_is_refused(client: httpx.AsyncClient) -> None:
    rows = [{"Account": 1930, "Debit": 1000}, {"Account": 3001, "Credit": 999.5}]
    refused = await client.post("/3/vouchers", json=voucher(rows=rows))
    assert refused.status_code == 400
    assert refused.json() == {
        "ErrorInformation": {
            "error": 1,
            "message": "Verifikationen är inte i balans: debet 1000.00, kredit 999.50.",
            "code": 2990032,
        }
    }
    one_row = await client.post("/3/vouchers", json=voucher(rows=[{"Account": 1930}]))
    assert one_row.json()["ErrorInformation"]["code"] == 2990034
    listed = await client.get("/3/vouchers")
    assert listed.json()["MetaInformation"]["@TotalResources"] == 0


async def test_numbering_is_per_series_and_financial_year(client: httpx.AsyncClient) -> None:
    numbers = []
    for series, day, year in (("A", "2026-02-10", None), ("A", "2026-02-11", None),
                              ("D", "2026-02-11", None), ("A", "2025-11-30", 1)):  # fmt: skip
        params = {"financialyear": year} if year else None
        created = await client.post("/3/vouchers", json=voucher(day, series), params=params)
        assert created.status_code == 201
        assert created.headers["Location"] == "vouchers"
        body = created.json()["Voucher"]
        numbers.append((body["VoucherSeries"], body["VoucherNumber"], body["Year"]))
    # last year's books hold the demo company's vouchers A 1 and A 2 already
    assert numbers == [("A", 1, 2), ("A", 2, 2), ("D", 1, 2), ("A", 3, 1)]
    since = await client.get("/3/vouchers", params={"fromdate": "2026-02-11"})
    assert [(v["VoucherSeries"], v["VoucherNumber"]) for v in since.json()["Vouchers"]] == [
        ("A", 2),
        ("D", 1),
    ]
    newest = await client.get(
        "/3/vouchers", params={"sortby": "vouchernumber", "sortorder": "descending"}
    )
    assert [v["VoucherNumber"] for v in newest.json()["Vouchers"]] == [2, 1, 1]
    sublist = await client.get("/3/vouchers/sublist/A")
    assert [v["VoucherNumber"] for v in sublist.json()["Vouchers"]] == [1, 2]
    old = await client.get("/3/vouchers/sublist/A", params={"financialyear": 1})
    assert [v["TransactionDate"] for v in old.json()["Vouchers"]] == [
        "2025-10-03",
        "2025-10-17",
        "2025-11-30",
    ]
    series = await client.get("/3/voucherseries/A", params={"financialyear": 1})
    assert series.json()["VoucherSeries"]["NextVoucherNumber"] == 4
    missing = await client.get("/3/vouchers/A/3")
    assert missing.status_code == 404
    assert missing.json()["ErrorInformation"]["Code"] == 2990121


async def test_series_b_counts_booked_invoices_too(client: httpx.AsyncClient) -> None:
    row = {"ArticleNumber": "202", "DeliveredQuantity": 1, "Price": 100}
    invoice = await client.post(
        "/3/invoices",
        json={
            "Invoice": {"CustomerNumber": "1", "InvoiceDate": "2026-02-02", "InvoiceRows": [row]}
        },
    )
    number = invoice.json()["Invoice"]["DocumentNumber"]
    booked = await client.put(f"/3/invoices/{number}/bookkeep")
    assert booked.json()["Invoice"]["VoucherNumber"] == 1
    manual = await client.post("/3/vouchers", json=voucher(series="B"))
    assert manual.json()["Voucher"]["VoucherNumber"] == 2


async def test_dates_outside_the_year_or_in_the_locked_period_are_refused(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    no_year = await client.post("/3/vouchers", json=voucher("2028-01-10"))
    assert no_year.json()["ErrorInformation"]["code"] == 2990005
    other_year = await client.post("/3/vouchers", json=voucher("2025-05-05"))
    assert other_year.json()["ErrorInformation"]["code"] == 2990031
    unknown_year = await client.post("/3/vouchers", json=voucher(), params={"financialyear": 7})
    assert unknown_year.json()["ErrorInformation"]["code"] == 2990030
    await control.company_settings(demo_tenant, locked_period_end="2026-02-28")
    locked = await client.post("/3/vouchers", json=voucher("2026-02-28"))
    assert locked.status_code == 400
    assert locked.json()["ErrorInformation"] == {
        "error": 1,
        "message": "Perioden är låst till och med 2026-02-28; "
        "datumet 2026-02-28 kan inte användas.",
        "code": 2990006,
    }
    after = await client.post("/3/vouchers", json=voucher("2026-03-01"))
    assert after.json()["Voucher"]["VoucherNumber"] == 1  # refusals take no number


async def test_rows_follow_the_account_settings(client: httpx.AsyncClient) -> None:
    await client.put("/3/accounts/5010", json={"Account": {"CostCenterSettings": "MANDATORY"}})
    rows = [{"Account": 5010, "Debit": 8000}, {"Account": 1930, "Credit": 8000}]
    refused = await client.post("/3/vouchers", json=voucher(rows=rows))
    assert refused.json()["ErrorInformation"] == {
        "error": 1, "message": "Kostnadsställe måste anges för konto 5010.", "code": 2990036,
    }  # fmt: skip
    unknown = [{**rows[0], "CostCenter": "NOPE"}, rows[1]]
    assert (await client.post("/3/vouchers", json=voucher(rows=unknown))).json()[
        "ErrorInformation"
    ]["code"] == 2990010
    fine = [{**rows[0], "CostCenter": "ADM"}, rows[1]]
    created = await client.post("/3/vouchers", json=voucher(rows=fine))
    assert created.json()["Voucher"]["VoucherRows"][0]["CostCenter"] == "ADM"
    await client.put("/3/accounts/6110", json={"Account": {"Active": False}})
    inactive = [{"Account": 6110, "Debit": 1}, {"Account": 1930, "Credit": 1}]
    answer = await client.post("/3/vouchers", json=voucher(rows=inactive))
    assert answer.json()["ErrorInformation"]["code"] == 2990033


async def test_accounts_with_vouchers_stay_and_numbers_have_four_digits(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/3/vouchers", json=voucher())).status_code == 201
    kept = await client.delete("/3/accounts/3001")
    assert kept.json()["ErrorInformation"]["code"] == 2990035
    long = await client.post("/3/accounts", json={"Account": {"Number": 19301, "Description": "X"}})
    assert long.json()["ErrorInformation"]["code"] == 2002462
    taken = await client.post("/3/accounts", json={"Account": {"Number": 1930, "Description": "X"}})
    assert taken.json()["ErrorInformation"]["code"] == 2000729
    new = await client.post(
        "/3/accounts", json={"Account": {"Number": 1940, "Description": "Spar"}}
    )
    assert new.headers["Location"] == "accounts"
    assert (await client.delete("/3/accounts/1940")).status_code == 204


async def test_an_empty_company_has_no_voucher_series(api: ApiFactory, tenant: int) -> None:
    client = await api(tenant)
    listed = await client.get("/3/voucherseries")
    assert listed.json()["VoucherSeriesCollection"] == []
    refused = await client.post("/3/vouchers", json=voucher())
    assert refused.json()["ErrorInformation"] == {
        "error": 1, "message": "Verifikationsserie A finns inte.", "code": 2990010,
    }  # fmt: skip
    charts = await client.get("/3/accountcharts")
    assert "BAS 2024" in [chart["Name"] for chart in charts.json()["AccountCharts"]]


async def test_vouchers_and_their_numbers_survive_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "sandbox.sqlite"
    transport = SandboxTransport(create_app(SandboxState(clock=clock, data_path=path)))
    async with SandboxControl(BASE_URL, transport=transport) as control:
        tenant = (await control.create_company("Kvar AB", seed="demo"))["tenant_id"]
        tokens = await control.issue_tokens(tenant, ["bookkeeping"])
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with httpx.AsyncClient(base_url=BASE_URL, transport=transport, headers=auth) as api:
        assert (await api.post("/3/vouchers", json=voucher())).status_code == 201
    restarted = SandboxTransport(create_app(SandboxState(clock=clock, data_path=path)))
    async with httpx.AsyncClient(base_url=BASE_URL, transport=restarted, headers=auth) as api:
        kept = await api.get("/3/vouchers/A/1")
        assert kept.json()["Voucher"]["VoucherRows"][0]["Account"] == 1930
        following = await api.post("/3/vouchers", json=voucher())
        assert following.json()["Voucher"]["VoucherNumber"] == 2


async def test_the_demo_company_has_last_years_vouchers_with_project_rows(
    client: httpx.AsyncClient,
) -> None:
    listed = await client.get("/3/vouchers", params={"financialyear": 1})
    found = [(v["VoucherSeries"], v["VoucherNumber"]) for v in listed.json()["Vouchers"]]
    assert found == [("A", 1), ("A", 2), ("B", 1), ("D", 1), ("D", 2)]
    supplier = (await client.get("/3/vouchers/D/1", params={"financialyear": 1})).json()
    rows = supplier["Voucher"]["VoucherRows"]
    assert sum(Decimal(str(r["Debit"])) for r in rows) == sum(
        Decimal(str(r["Credit"])) for r in rows
    )
    assert [(r["Account"], r.get("Project")) for r in rows if r.get("Project")] == [(4010, "1")]
    this_year = await client.get("/3/vouchers")
    assert this_year.json()["MetaInformation"]["@TotalResources"] == 0

"""The ledger's read routes over a ledger written to the store (SQLite and PostgreSQL): years,
accounts with movement, the year as SIE 4 read back, vouchers paged and filtered, a voucher
with rows and documents, a document's bytes, signed links, and tenant isolation."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.formats.sie.document import read_document
from fortnox_bridge.store.documents import LocalDocumentFiles
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.ledger_data import (
    NOW,
    PDF,
    Row,
    add_document,
    add_voucher,
    add_year,
    example_ledger,
)

BASE = "http://bridge.test"
D = dt.date


@dataclass
class Bridge:
    """The API with two tenants' keys, and the ids of tenant A's documents."""

    api: httpx.AsyncClient
    key_a: str
    key_b: str
    invoice: int
    other_tenants_document: int
    clock: ManualClock
    tenant_a: int

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def bridge(
    sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Bridge]:
    files = LocalDocumentFiles.in_data_dir(tmp_path)
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        a, b = tenants.create("Bokföring AB", now=NOW), tenants.create("Annat AB", now=NOW)
        key_a = tenants.issue_api_key(a, label="a", now=NOW, scope="read")
        key_b = tenants.issue_api_key(b, label="b", now=NOW)
        invoice = example_ledger(session, files, a.id)
        a_id = a.id
        theirs = add_year(session, b.id, D(2025, 1, 1), D(2025, 12, 31))
        voucher = add_voucher(session, theirs, "A", 1, D(2025, 1, 2), [Row("1930", "1.00"),
                              Row("3001", "-1.00")])  # fmt: skip
        other = add_document(session, files, voucher, "file-9", b"theirs", name="b.pdf")
    settings = Settings(data_dir=tmp_path, secret_key=Fernet.generate_key().decode())
    transport = httpx.ASGITransport(app=api_app(sessions, clock=clock, settings=settings))
    async with httpx.AsyncClient(base_url=BASE, transport=transport) as api:
        yield Bridge(api, key_a, key_b, invoice, other, clock, a_id)


async def get(bridge: Bridge, path: str, key: str | None = None, **params: str) -> httpx.Response:
    return await bridge.api.get(
        f"/api/v1/ledger{path}", params=params, headers=bridge.headers(key or bridge.key_a)
    )


async def test_the_years_show_source_sync_counts_and_status(bridge: Bridge) -> None:
    answer = await get(bridge, "/years")

    assert answer.status_code == 200
    years = answer.json()["data"]
    assert [y["year"] for y in years] == ["2025", "2024"]
    assert years[0] | {"synced_at": None} == years[0] | {
        "from_date": "2025-01-01", "to_date": "2025-12-31", "source": "fortnox",
        "voucher_count": 5, "document_count": 1, "status": "ok", "last_error": None,
        "synced_at": None,
    }  # fmt: skip
    assert years[0]["synced_at"].startswith("2026-03-01T12:00")
    assert (years[1]["source"], years[1]["sie_name"], years[1]["voucher_count"]) == (
        "sie", "2024.se", 1
    )  # fmt: skip
    assert answer.json()["next_cursor"] is None


async def test_a_year_is_named_by_its_start_year_or_its_first_day(bridge: Bridge) -> None:
    by_year, by_day = await get(bridge, "/years/2025"), await get(bridge, "/years/2025-01-01")
    assert by_year.status_code == by_day.status_code == 200
    assert by_year.json() == by_day.json()

    missing = await get(bridge, "/years/2019")
    assert missing.status_code == 404
    assert missing.json()["error"] == "ledger_year_not_found"
    assert "2025-01-01" in missing.json()["detail"]
    malformed = await get(bridge, "/years/last")
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["type"] == "invalid_year"


async def test_two_years_starting_in_one_calendar_year_must_be_named_by_day(
    bridge: Bridge, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        add_year(session, bridge.tenant_a, D(2025, 7, 1), D(2026, 6, 30))

    ambiguous = await get(bridge, "/years/2025")
    assert ambiguous.status_code == 409
    assert ambiguous.json()["error"] == "ledger_year_ambiguous"
    assert "2025-07-01" in ambiguous.json()["detail"]
    years = (await get(bridge, "/years")).json()["data"]
    assert [y["year"] for y in years] == ["2025-07-01", "2025-01-01", "2024"]
    assert (await get(bridge, "/years/2025-07-01")).json()["voucher_count"] == 0


async def test_accounts_carry_balances_and_the_year_s_movement(bridge: Bridge) -> None:
    answer = await get(bridge, "/years/2025/accounts")

    assert answer.status_code == 200
    accounts = {a["number"]: a for a in answer.json()["data"]}
    assert list(accounts) == ["1930", "2440", "3001", "5010", "6110"]
    bank = accounts["1930"]
    assert (bank["name"], bank["opening_balance"], bank["closing_balance"]) == (
        "Företagskonto", "10000.00", "7500.00"
    )  # fmt: skip
    assert Decimal(bank["debit"]) == 2000
    assert Decimal(bank["credit"]) == 4500
    assert Decimal(bank["movement"]) == -2500
    assert Decimal(accounts["5010"]["movement"]) == 4000
    # An account the rows use but the chart lacks is listed, without a name.
    assert (accounts["6110"]["name"], Decimal(accounts["6110"]["debit"])) == ("", 500)
    paged = await get(bridge, "/years/2025/accounts", limit="2")
    assert [a["number"] for a in paged.json()["data"]] == ["1930", "2440"]
    assert paged.json()["next_cursor"]


async def test_the_year_as_sie_4_reads_back_with_the_same_vouchers_and_totals(
    bridge: Bridge,
) -> None:
    answer = await get(bridge, "/years/2025/sie")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert 'filename="ledger-2025-01-01.se"' in answer.headers["content-disposition"]
    read = read_document(io.BytesIO(answer.content), strict=True)
    document = read.document
    assert document.variant == "4E"
    assert document.company.name == "Bokföring AB"
    assert document.financial_years[0].start == D(2025, 1, 1)
    vouchers = {(v.series, v.number): v for v in document.vouchers}
    listed = (await get(bridge, "/vouchers", year="2025")).json()["data"]
    assert set(vouchers) == {(v["series"], str(v["number"])) for v in listed}
    for stored in listed:
        written = vouchers[(stored["series"], str(stored["number"]))]
        assert written.date == D.fromisoformat(stored["date"])
        assert written.text == stored["text"]
        assert [(r.account, r.amount) for r in written.transactions] == [
            (r["account"], Decimal(r["amount"])) for r in stored["rows"]
        ]
        assert written.total() == 0
    assert vouchers[("A", "2")].transactions[0].objects == ((1, "100"), (6, "P1"))
    assert sum(r.amount for v in document.vouchers for r in v.transactions if r.amount > 0) == (
        Decimal("9500.00")
    )
    balances = {(b.kind, b.account): b.amount for b in document.balances}
    assert balances[("IB", "1930")] == Decimal("10000.00")
    assert balances[("UB", "1930")] == Decimal("7500.00")
    assert balances[("RES", "3001")] == Decimal("-2000.00")
    assert document.objects[(6, "P1")] == "Projekt Ett"


async def test_vouchers_page_by_date_without_gaps_or_repeats(bridge: Bridge) -> None:
    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    for _ in range(10):
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await get(bridge, "/vouchers", **params)).json()
        seen += [(v["series"], v["number"]) for v in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [("A", 1), ("A", 1), ("B", 1), ("A", 2), ("C", 1), ("B", 2)]

    bad = await get(bridge, "/vouchers", cursor="bm90LWEtY3Vyc29y")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["type"] == "invalid_cursor"
    year = await get(bridge, "/vouchers", year="2025-02-30")
    assert year.status_code == 422
    assert (year.json()["errors"][0]["path"], year.json()["errors"][0]["type"]) == (
        "query.year", "invalid_year"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"year": "2024"}, [("A", 1)]),
        ({"year": "2025", "series": "B"}, [("B", 1), ("B", 2)]),
        ({"from": "2025-02-01", "to": "2025-02-28"}, [("A", 2), ("C", 1)]),
        ({"account": "2440"}, [("B", 1), ("B", 2)]),
        ({"project": "P1"}, [("B", 1), ("A", 2)]),
        ({"cost_center": "100", "year": "2025"}, [("A", 1), ("A", 2)]),
        ({"account": "9999"}, []),
    ],
)
async def test_vouchers_are_filtered(
    bridge: Bridge, params: dict[str, str], expected: list[tuple[str, int]]
) -> None:
    answer = await get(bridge, "/vouchers", **params)

    assert answer.status_code == 200
    assert [(v["series"], v["number"]) for v in answer.json()["data"]] == expected


async def test_one_voucher_with_its_rows_and_documents(bridge: Bridge) -> None:
    answer = await get(bridge, "/vouchers/2025/B/1")

    assert answer.status_code == 200
    voucher = answer.json()
    assert (voucher["year"], voucher["text"], voucher["total"]) == (
        "2025", "Leverantörsfaktura", "3000.00"
    )  # fmt: skip
    assert voucher["reference_type"] == "SUPPLIERINVOICE"
    assert [(r["line"], r["account"], r["amount"], r["project"]) for r in voucher["rows"]] == [
        (1, "5010", "3000.00", "P1"), (2, "2440", "-3000.00", None)
    ]  # fmt: skip
    [document] = voucher["documents"]
    assert document["id"] == bridge.invoice
    assert (document["kind"], document["name"], document["size"]) == (
        "supplier_invoice", "Faktura 17 åäö.pdf", len(PDF)
    )  # fmt: skip
    assert document["url"] == f"/api/v1/ledger/documents/{bridge.invoice}"

    missing = await get(bridge, "/vouchers/2025/B/99")
    assert missing.status_code == 404
    assert missing.json()["error"] == "ledger_voucher_not_found"


async def test_a_document_s_bytes_with_type_name_and_etag(bridge: Bridge) -> None:
    answer = await get(bridge, f"/documents/{bridge.invoice}")

    assert answer.status_code == 200
    assert answer.content == PDF
    assert answer.headers["content-type"] == "application/pdf"
    assert (
        "filename*=UTF-8''Faktura%2017%20%C3%A5%C3%A4%C3%B6.pdf"
        in (answer.headers["content-disposition"])
    )
    etag = answer.headers["etag"]
    assert etag.strip('"') == document_sha(PDF)
    again = await bridge.api.get(
        f"/api/v1/ledger/documents/{bridge.invoice}",
        headers={**bridge.headers(bridge.key_a), "If-None-Match": etag},
    )
    assert (again.status_code, again.content) == (304, b"")


async def test_a_signed_link_opens_the_document_without_a_key_until_it_expires(
    bridge: Bridge,
) -> None:
    made = await bridge.api.post(
        f"/api/v1/ledger/documents/{bridge.invoice}/link", headers=bridge.headers(bridge.key_a)
    )
    assert made.status_code == 200
    link = made.json()
    assert link["url"].startswith(f"{BASE}/api/v1/ledger/shared/")
    assert link["expires_at"].startswith("2026-01-01T00:15:00")

    opened = await bridge.api.get(link["url"])
    assert (opened.status_code, opened.content) == (200, PDF)
    assert opened.headers["content-type"] == "application/pdf"

    token = link["url"].rsplit("/", 1)[1]
    tampered = await bridge.api.get(f"/api/v1/ledger/shared/{token[:-2]}xy")
    assert tampered.status_code == 403
    assert tampered.json()["error"] == "link_invalid"
    assert "ask the application" in tampered.json()["detail"]

    bridge.clock.advance(15 * 60 + 1)
    expired = await bridge.api.get(link["url"])
    assert expired.status_code == 410
    assert expired.json()["error"] == "link_expired"
    assert "15 minutes" in expired.json()["detail"]


async def test_a_key_of_one_tenant_never_reads_another_s_ledger(bridge: Bridge) -> None:
    theirs = bridge.key_b
    assert [y["voucher_count"] for y in (await get(bridge, "/years", theirs)).json()["data"]] == [1]
    listed = (await get(bridge, "/vouchers", theirs)).json()["data"]
    assert [(v["series"], v["number"], v["text"]) for v in listed] == [("A", 1, "")]
    assert (await get(bridge, "/years/2024", theirs)).status_code == 404
    assert (await get(bridge, "/vouchers/2025/B/1", theirs)).status_code == 404
    assert (await get(bridge, f"/documents/{bridge.invoice}", theirs)).status_code == 404
    link = await bridge.api.post(
        f"/api/v1/ledger/documents/{bridge.invoice}/link", headers=bridge.headers(theirs)
    )
    assert link.status_code == 404
    mine = await get(bridge, f"/documents/{bridge.other_tenants_document}")
    assert mine.status_code == 404
    accounts = (await get(bridge, "/years/2025/accounts", theirs)).json()["data"]
    assert [a["number"] for a in accounts] == ["1930", "3001"]
    assert (await bridge.api.get("/api/v1/ledger/years")).status_code == 401


def document_sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def test_without_a_secret_key_no_link_is_made(
    sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path
) -> None:
    files = LocalDocumentFiles.in_data_dir(tmp_path)
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Nyckellös AB", now=NOW)
        key = tenants.issue_api_key(tenant, label="k", now=NOW)
        document = example_ledger(session, files, tenant.id)
    app = api_app(sessions, clock=clock, settings=Settings(data_dir=tmp_path))
    async with httpx.AsyncClient(base_url=BASE, transport=httpx.ASGITransport(app=app)) as api:
        made = await api.post(
            f"/api/v1/ledger/documents/{document}/link", headers={"Authorization": f"Bearer {key}"}
        )
        shared = await api.get("/api/v1/ledger/shared/anything")

    assert made.status_code == shared.status_code == 503
    assert made.json()["error"] == "no_secret_key"
    assert not (tmp_path / "secret.key").exists()

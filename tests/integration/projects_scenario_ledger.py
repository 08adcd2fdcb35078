"""The projects scenario's customer invoices and vouchers (see ``test_projects_scenario.py``):
what the host sends, what Fortnox holds beforehand and what is changed in Fortnox later, and —
written out by hand, never computed by the flows — what Fortnox and the bridge must hold.

The customers (``1001``…), projects (``10001``…), cost centres and accounts are those of
``projects_scenario_data``; the customer export and the project export make them in the same
sweep, before the customer invoice export runs. The vouchers are booked in the sandbox's
financial year (2026, id 1) before the first sweep, on two projects Fortnox has of its own;
two of them are changed "in Fortnox's UI" after the second sweep.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.rules.inbox import content

CUSTOMER_INVOICES = "projects.customer_invoice.push"
CUSTOMER_PAID = "projects.customer_invoice.pull"
SUPPLIER_PAID = "projects.supplier_invoice.pull"
VOUCHERS = "projects.voucher.pull"

#: Host record: (collection, external id, body).
HostRecord = tuple[str, str, dict[str, Any]]

# -- customer invoices ---------------------------------------------------------------------------

#: Booked once they and their PDF are in Fortnox; cost centres of the invoice and rows sent.
CUSTOMER_INVOICE_SETTINGS = {"bookkeep": True, "cost_centers": True}

#: Larger than Fortnox takes (5 MB): replaced by a notice PDF in Fortnox.
BIG = 6_000_000


def pdf(number: str, size: int = 0) -> bytes:
    """A (minimal, hand-made) PDF of invoice ``number``, padded to about ``size`` bytes."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"% Faktura " + number.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body + b"%" + b"x" * max(0, size - len(body)) + b"\n" if size else body


def _row(account: int, text: str, vat: int, **fields: Any) -> dict[str, Any]:
    return {"account": account, "description": text, "vat": vat} | fields


#: id, invoice number, customer, project, cost centre, locked, rows.
_CUSTOMER_INVOICES: tuple[tuple[str, str, str, str | None, str | None, bool, list[Any]], ...] = (
    ("ci01", "H-2001", "1001", "10001", None, True, [
        _row(3001, "Arbete snickare", 25, quantity="10", price="650", cost_center="BYGG"),
        _row(3002, "Material", 12, amount="1200")]),
    ("ci02", "H-2002", "1002", "10003", "BYGG", True, [
        _row(3001, "Stambyte etapp 1", 25, price="85000")]),
    ("ci03", "H-2003", "1003", "10005", "EL", True, [
        _row(3041, "Elinstallation", 25, quantity="4", amount="1000"),
        _row(3001, "Markarbete", 25, quantity="8", price="720", cost_center="MARK")]),
    ("ci04", "H-2004", "1004", "10007", None, True, [
        _row(3001, "Arbete", 25, quantity="2.5", price="600")]),
    ("ci05", "H-2005", "1005", "10004", None, True, [  # its PDF is 6 MB
        _row(3001, "Tillbyggnad, slutfaktura", 25, price="42000")]),
    ("ci06", "H-2006", "1006", None, "MARK", True, [
        _row(3001, "Asfaltering", 25, price="18500", project="10009")]),
    ("ci07", "H-2007", "1007", "10021", None, True, [
        _row(3001, "Hiss, montage", 25, price="56000", cost_center="EL"),
        _row(3003, "Serviceavtal år 1", 6, amount="4800")]),
    ("ci08", "H-2008", "1008", "10011", "BYGG", True, [
        _row(3001, "Kontorsombyggnad", 25, quantity="3", price="9900")]),
    ("ci09", "H-2009", "1009", "10023", None, True, [
        _row(3001, "Garage, arbete", 25, price="31000"),
        _row(3002, "Garage, material", 12, price="14250")]),
    ("ci10", "H-2010", "1011", "10016", None, True, [
        _row(3001, "Bro, delfaktura 3", 25, price="250000", cost_center="MARK")]),
    ("ci11", "H-2011", "1012", "10019", "MARK", True, [
        _row(3001, "Ledningsnät", 25, quantity="12", price="1150.50")]),
    ("ci12", "H-2012", "1020", None, None, True, [
        _row(3041, "Konsultation", 25, quantity="6", price="1100")]),
    # not locked yet: not sent
    ("ci13", "H-2013", "1013", "10013", None, False, [_row(3001, "Renovering", 25, price="900")]),
    ("ci14", "H-2014", "1014", "10014", None, False, [_row(3001, "P-hus", 25, price="700")]),
    # an account Fortnox's chart does not have: refused by Fortnox, a problem
    ("ci15", "H-2015", "1015", "10022", None, True, [_row(3999, "Skola", 25, price="500")]),
)  # fmt: skip


def sent_pdf(external_id: str) -> bytes:
    """The PDF the host sends with invoice ``external_id``."""
    number = next(i[1] for i in _CUSTOMER_INVOICES if i[0] == external_id)
    return pdf(number, BIG if external_id == "ci05" else 0)


def host_customer_invoices() -> list[HostRecord]:
    """The host's customer invoices, dated the sweep's day, each with its PDF."""
    records: list[HostRecord] = []
    for external_id, number, customer, project, centre, locked, rows in _CUSTOMER_INVOICES:
        body: dict[str, Any] = {
            "invoice_number": number,
            "customer_number": customer,
            "invoice_date": "2026-01-01",
            "due_date": "2026-01-31",
            "locked": locked,
            "rows": rows,
            "pdf": base64.b64encode(sent_pdf(external_id)).decode(),
        }
        body |= ({"project": project} if project else {}) | (
            {"cost_center": centre} if centre else {}
        )
        records.append(("customer-invoices", external_id, body))
    return records


#: A Fortnox invoice row: (account, description, quantity, price, VAT, project, cost centre).
InvoiceRow = tuple[int, str, str, str, int, str, str]
#: Fortnox invoices: ExternalInvoiceReference1 → (customer, project, cost centre, booked, rows).
EXPECTED_CUSTOMER_INVOICES: dict[str, tuple[str, str, str, bool, list[InvoiceRow]]] = {
    "H-2001": ("1001", "10001", "", True, [
        (3001, "Arbete snickare", "10", "650", 25, "10001", "BYGG"),
        (3002, "Material", "1", "1200", 12, "10001", "")]),
    "H-2002": ("1002", "10003", "BYGG", True, [
        (3001, "Stambyte etapp 1", "1", "85000", 25, "10003", "BYGG")]),
    "H-2003": ("1003", "10005", "EL", True, [
        (3041, "Elinstallation", "4", "250", 25, "10005", "EL"),
        (3001, "Markarbete", "8", "720", 25, "10005", "MARK")]),
    "H-2004": ("1004", "10007", "", True, [
        (3001, "Arbete", "2.5", "600", 25, "10007", "")]),
    "H-2005": ("1005", "10004", "", True, [
        (3001, "Tillbyggnad, slutfaktura", "1", "42000", 25, "10004", "")]),
    "H-2006": ("1006", "", "MARK", True, [
        (3001, "Asfaltering", "1", "18500", 25, "10009", "MARK")]),
    "H-2007": ("1007", "10021", "", True, [
        (3001, "Hiss, montage", "1", "56000", 25, "10021", "EL"),
        (3003, "Serviceavtal år 1", "1", "4800", 6, "10021", "")]),
    "H-2008": ("1008", "10011", "BYGG", True, [
        (3001, "Kontorsombyggnad", "3", "9900", 25, "10011", "BYGG")]),
    "H-2009": ("1009", "10023", "", True, [
        (3001, "Garage, arbete", "1", "31000", 25, "10023", ""),
        (3002, "Garage, material", "1", "14250", 12, "10023", "")]),
    "H-2010": ("1011", "10016", "", True, [
        (3001, "Bro, delfaktura 3", "1", "250000", 25, "10016", "MARK")]),
    "H-2011": ("1012", "10019", "MARK", True, [
        (3001, "Ledningsnät", "12", "1150.50", 25, "10019", "MARK")]),
    "H-2012": ("1020", "", "", True, [
        (3041, "Konsultation", "6", "1100", 25, "", "")]),
}  # fmt: skip

#: The host's invoices that Fortnox numbered (``fortnox_document_number`` written back), each
#: with the ExternalInvoiceReference1 the Fortnox invoice of that number must carry.
EXPECTED_DOCUMENT_NUMBERS = {f"ci{n:02d}": f"H-20{n:02d}" for n in range(1, 13)}

CUSTOMER_INVOICES_HELD = {(CUSTOMER_INVOICES, i): "not locked yet" for i in ("ci13", "ci14")}
CUSTOMER_INVOICE_PROBLEMS = {
    (CUSTOMER_INVOICES, "ci15"): "customer invoice ci15 (H-2015 to customer 1015)",
}


async def read_customer_invoices(client: FortnoxClient) -> dict[str, tuple[Any, ...]]:
    found = {}
    async for row in client.invoices.iterate():
        i = await client.invoices.get(str(row.document_number))
        rows = [(r.account_number, r.description, Decimal(str(r.delivered_quantity)),
                 Decimal(str(r.price)), r.vat, r.project or "", r.cost_center or "")
                for r in i.invoice_rows or []]  # fmt: skip
        found[str(i.external_invoice_reference1)] = (
            i.customer_number, i.project or "", i.cost_center or "", i.booked, rows
        )  # fmt: skip
    return found


def as_decimals(expected: dict[str, Any]) -> dict[str, Any]:
    """The expectation with its quantities and prices as decimals (as they are read back)."""
    return {
        ref: (*head, [(a, d, Decimal(q), Decimal(p), *rest) for a, d, q, p, *rest in rows])
        for ref, (*head, rows) in expected.items()
    }


async def attached_pdfs(
    client: FortnoxClient, state: SandboxState, company: int
) -> dict[str, bytes]:
    """ExternalInvoiceReference1 → the bytes of the one file attached to that invoice (an
    attached file leaves the inbox for Fortnox's archive, which the API does not list: its
    bytes are read from the sandbox's state)."""
    stored = state.companies[company].register("inbox").records.values()
    files = {f["ArchiveFileId"]: content(f) for f in stored}
    found = {}
    async for row in client.invoices.iterate():
        (attachment,) = await client.inbox.attachments("F", str(row.document_number))
        assert attachment.include_on_send is True
        invoice = await client.invoices.get(str(row.document_number))
        found[str(invoice.external_invoice_reference1)] = files[attachment.file_id]
    return found


# -- vouchers ------------------------------------------------------------------------------------

#: Series A, B and D (the default) are imported; every imported voucher is read again each sweep.
VOUCHER_SETTINGS = {"series": ["A", "B", "D"], "recheck_per_sweep": 10}

#: Made in Fortnox before the first sweep: (series, description, rows).
FORTNOX_VOUCHERS: tuple[tuple[str, str, list[dict[str, Any]]], ...] = (
    ("A", "Hyra bod januari", [
        {"Account": 5010, "Debit": 3000, "Project": "9001", "TransactionInformation": "Bod"},
        {"Account": 1930, "Credit": 3000}]),
    # no row on a project: not imported, waits (a project is set on it later)
    ("A", "Kontorsmaterial", [
        {"Account": 6110, "Debit": 400, "TransactionInformation": "Pärmar"},
        {"Account": 1930, "Credit": 400}]),
    ("B", "Kundfaktura Uppsala kommun", [
        {"Account": 1510, "Debit": 12500},
        {"Account": 3001, "Credit": 10000, "Project": "9002", "CostCenter": "BYGG"},
        {"Account": 2610, "Credit": 2500}]),
    ("D", "Leverantörsfaktura rör", [
        {"Account": 2440, "Credit": 1250},
        {"Account": 4010, "Debit": 1000, "Project": "9001", "TransactionInformation": "Rör"},
        {"Account": 2640, "Debit": 250}]),
    # series C is not chosen: never imported
    ("C", "Internt", [
        {"Account": 4010, "Debit": 500, "Project": "9001"}, {"Account": 1930, "Credit": 500}]),
)  # fmt: skip

#: Changed in Fortnox's UI after the second sweep: voucher key → amend_voucher's arguments.
FORTNOX_CHANGES: dict[str, dict[str, Any]] = {
    "1/A/2": {"set_rows": {0: {"Project": "9002"}}},
    "1/D/1": {"add_rows": [
        {"Account": 4010, "Debit": 300, "Project": "9002", "TransactionInformation": "Tillägg"},
        {"Account": 2440, "Credit": 300}]},
}  # fmt: skip


#: Fortnox's own projects (not the host's), made beforehand for the vouchers: number →
#: description; read back as (description, status, start, end, leader).
FORTNOX_PROJECTS = {"9001": "Verkstad och förråd", "9002": "Administration"}
EXPECTED_FORTNOX_PROJECTS: dict[str, tuple[str, str, str | None, str | None, str | None]] = {
    "9001": ("Verkstad och förråd", "ONGOING", None, None, None),
    "9002": ("Administration", "ONGOING", None, None, None),
}

#: Cancelled in Fortnox after the second sweep: kept by the bridge, a problem named so.
CANCELLED_VOUCHER = "1/B/1"
CANCELLED_REFERENCE = "voucher B 1 (2026)"


async def seed_vouchers(client: FortnoxClient) -> None:
    for number, description in FORTNOX_PROJECTS.items():
        await client.projects.create({"project_number": number, "description": description})
    for code in ("A", "B", "C", "D"):
        await client.voucher_series.create({"code": code, "description": f"Serie {code}"})
    for series, description, rows in FORTNOX_VOUCHERS:
        body = {"voucher_series": series, "description": description}
        await client.vouchers.create(
            body | {"transaction_date": "2026-01-01", "voucher_rows": rows}
        )


def _voucher(series: str, number: int, text: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A voucher made by hand in Fortnox (``ReferenceType`` ``MANUAL``)."""
    return {"series": series, "number": number, "year": 1, "date": "2026-01-01",
            "description": text, "reference_type": "MANUAL", "rows": rows}  # fmt: skip


def _r(account: int, debit: str = "0.0", credit: str = "0.0", **more: Any) -> dict[str, Any]:
    """A voucher row as the bridge keeps it (amounts as decimal text)."""
    return {"account": account, "debit": debit, "credit": credit, "removed": False} | more


#: The bridge's voucher records after the first sweep.
EXPECTED_VOUCHERS: dict[str, dict[str, Any]] = {
    "1-A-1": _voucher("A", 1, "Hyra bod januari", [
        _r(5010, debit="3000.0", project="9001", note="Bod"), _r(1930, credit="3000.0")]),
    "1-B-1": _voucher("B", 1, "Kundfaktura Uppsala kommun", [
        _r(1510, debit="12500.0"), _r(3001, credit="10000.0", project="9002", cost_center="BYGG"),
        _r(2610, credit="2500.0")]),
    "1-D-1": _voucher("D", 1, "Leverantörsfaktura rör", [
        _r(2440, credit="1250.0"), _r(4010, debit="1000.0", project="9001", note="Rör"),
        _r(2640, debit="250.0")]),
}  # fmt: skip

#: … and after the changes in Fortnox and one more sweep (the cancelled B 1 kept as it was).
EXPECTED_VOUCHERS_LATER: dict[str, dict[str, Any]] = {
    **EXPECTED_VOUCHERS,
    "1-A-2": _voucher("A", 2, "Kontorsmaterial", [
        _r(6110, debit="400.0", project="9002", note="Pärmar"), _r(1930, credit="400.0")]),
    "1-D-1": _voucher("D", 1, "Leverantörsfaktura rör", [
        _r(2440, credit="1250.0"), _r(4010, debit="1000.0", project="9001", note="Rör"),
        _r(2640, debit="250.0"),
        _r(4010, debit="300.0", project="9002", note="Tillägg"), _r(2440, credit="300.0")]),
}  # fmt: skip

VOUCHERS_HELD = {(VOUCHERS, "1-A-2"): "no row on a project"}

"""The hand-written scenario of the projects family (see ``test_projects_scenario.py``): what the
host sends, what Fortnox holds beforehand, and — written out by hand, never computed by the
flows — what Fortnox and the bridge must hold after one sweep.

The sweep's day is the test clock's first day, 2026-01-01. Each register has its own block:
the host records it sends, the Fortnox records it expects, the bridge links and records it
expects and the problems it expects. The customer invoices and vouchers have theirs in
``projects_scenario_ledger``.
"""

from __future__ import annotations

from typing import Any

PROJECTS = "projects.construction_project.push"
WORK = "projects.work_order.push"
CHANGE = "projects.change_order.push"
CUSTOMERS = "projects.project_customer.push"
SUPPLIERS = "projects.project_supplier.push"
INVOICES = "projects.supplier_invoice.push"
COST_CENTRES = "projects.cost_center.pull"
ACCOUNTS = "projects.account.pull"

#: Host record: (collection, external id, body).
HostRecord = tuple[str, str, dict[str, Any]]

# -- projects, work orders, change orders ------------------------------------------------------

#: The project export keeps finished projects open for 14 days; the order exports do not.
PROJECT_SETTINGS = {"completion_delay_days": 14}
ORDER_SETTINGS = {"numbering": "own_project"}

LONG_NAME = "Ombyggnad av kvarteret Fyrtornet, etapp två, hus A–D"  # 52 characters
CUT_NAME = "Ombyggnad av kvarteret Fyrtornet, etapp två, hus A"  # its first 50

#: id, number, name, status code, start, end, leader, completed_on.
_PROJECTS: tuple[tuple[str, str, str, int, str, str | None, str | None, str | None], ...] = (
    ("p01", "10001", "Skolan Ekbacken", 40, "2025-03-01", "2026-12-31", "Anna Berg", None),
    ("p02", "10002", "Förskolan Solrosen", 42, "2025-04-01", "2026-10-31", None, None),
    ("p03", "10003", "Brf Linnéan stambyte", 45, "2025-05-01", "2027-03-31", "Per Ek", None),
    ("p04", "10004", "Villa Lindgren tillbyggnad", 48, "2025-06-01", "2026-06-30", None, None),
    ("p05", "10005", "Kv. Hammaren kontor", 50, "2025-02-01", "2026-08-31", "Lisa Ström", None),
    ("p06", "10006", LONG_NAME, 52, "2025-07-01", "2026-09-30", None, None),
    ("p07", "10007", "Idrottshallen Norr", 55, "2025-08-01", "2026-11-30", None, None),
    ("p08", "10008", "Radhusen Björkdalen", 58, "2025-03-15", "2026-05-31", "Per Ek", None),
    ("p09", "10009", "Vårdcentralen Söder", 60, "2025-04-15", "2026-07-31", None, None),
    ("p10", "10010", "Lagerhall Kungsängen", 62, "2025-05-15", "2026-04-30", None, None),
    ("p11", "10011", "Kontorshus Centrum", 65, "2025-06-15", "2026-12-15", None, None),
    ("p12", "10012", "Brandstation Väst", 68, "2025-01-15", "2026-02-28", None, None),
    ("p13", "10013", "Bibliotek renovering", 70, "2025-02-15", "2026-03-31", None, None),
    ("p14", "10014", "Parkeringshus Ost", 72, "2025-09-01", "2026-09-01", None, None),
    ("p15", "10015", "Simhallen tak", 75, "2025-10-01", "2026-06-01", None, None),
    ("p16", "10016", "Bro över Fyrisån", 78, "2025-03-20", "2027-01-31", None, None),
    ("p17", "10017", "Gruppbostad Ängen", 80, "2025-04-20", "2026-04-20", None, None),
    ("p18", "10018", "Fasadrenovering Torget", 82, "2025-05-20", "2026-05-20", None, None),
    ("p19", "10019", "Ledningsnät etapp 3", 85, "2025-06-20", "2026-06-20", None, None),
    ("p20", "10020", "Förråd kommunen", 88, "2025-07-20", "2026-01-31", None, None),
    ("p21", "10021", "Hiss Brf Ekorren", 89, "2025-08-20", "2026-02-20", None, None),
    ("p22", "10022", "Skola Tallbacken", 90, "2025-02-01", "2026-01-31", None, "2025-12-28"),
    ("p23", "10023", "Garage Villa Berg", 95, "2025-03-01", "2025-12-15", None, "2025-12-01"),
    ("p24", "10024", "Altan Björk", 99, "2025-04-01", "2025-12-31", None, None),
    ("p25", "10025", "Takbyte Granen", 92, "2025-05-01", "2026-01-15", None, "2025-12-18"),
    ("p26", "10026", "Fönsterbyte Almen", 97, "2025-06-01", "2026-01-15", None, "2025-12-19"),
    ("p27", "10027", "Ramavtal underhåll", 60, "2024-10-01", None, None, None),
    ("p28", "10028", "Ramavtal mark", 65, "2025-06-01", None, "Lisa Ström", None),
    ("p29", "10029", "Ramavtal el", 50, "2025-01-02", None, None, None),
    ("p30", "10030.1", "Tillbyggnad Ekbacken", 50, "2025-05-01", "2026-05-01", None, None),
    ("p31", "10031", "Anbud Sjöstaden", 10, "2026-03-01", "2026-12-31", None, None),
    ("p32", "10032", "Kalkyl Gärdet", 39, "2026-02-01", "2026-10-31", None, None),
)

#: id, project, number, name, status code, created_on, leader, completed_on.
_WORK_ORDERS: tuple[tuple[str, str, str, str, int, str, str | None, str | None], ...] = (
    ("w1", "p03", "1", "Rivning badrum", 50, "2025-05-10", None, None),
    ("w2", "p03", "2", "Stammar källare", 95, "2025-06-01", "Omar Aziz", None),
    ("w3", "p05", "1", "Schakt", 20, "2025-02-10", None, None),  # not started: not sent
    ("w4", "p05", "2.5", "Dränering", 50, "2025-03-01", None, None),  # a dot: a problem
    ("w5", "p09", "1", "Målning", 40, "2025-09-01", None, None),
)
_CHANGE_ORDERS: tuple[tuple[str, str, str, str, int, str, str | None, str | None], ...] = (
    ("c1", "p03", "1", "Extra fönster", 50, "2025-07-01", "Karin Ek", None),
    ("c2", "p03", "Ä002", "Ny trappa", 60, "2025-08-01", None, None),
    ("c3", "p08", "1", "Tilläggsisolering", 90, "2025-10-01", None, "2025-12-30"),
    ("c4", "p28", "3", "Balkong", 45, "2025-11-01", None, None),
)


def _project(row: tuple[Any, ...]) -> HostRecord:
    external_id, number, name, status, start, end, leader, completed = row
    body = {"number": number, "name": name, "status_code": status, "start_date": start}
    optional = {"end_date": end, "leader": leader, "completed_on": completed}
    return "construction-projects", external_id, body | {k: v for k, v in optional.items() if v}


def _order(collection: str, row: tuple[Any, ...]) -> HostRecord:
    external_id, project, number, name, status, created, leader, completed = row
    body = {"project": project, "number": number, "name": name, "status_code": status}
    optional = {"created_on": created, "leader": leader, "completed_on": completed}
    return collection, external_id, body | {k: v for k, v in optional.items() if v}


def host_projects() -> list[HostRecord]:
    """The host's projects, work orders and change orders."""
    return [
        *(_project(row) for row in _PROJECTS),
        *(_order("work-orders", row) for row in _WORK_ORDERS),
        *(_order("change-orders", row) for row in _CHANGE_ORDERS),
    ]


ONGOING, COMPLETED = "ONGOING", "COMPLETED"

#: Fortnox projects after the sweep: number → (description, status, start, end, leader).
EXPECTED_PROJECTS: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "10001": ("Skolan Ekbacken", ONGOING, "2025-03-01", "2026-12-31", "Anna Berg"),
    "10002": ("Förskolan Solrosen", ONGOING, "2025-04-01", "2026-10-31", None),
    "10003": ("Brf Linnéan stambyte", ONGOING, "2025-05-01", "2027-03-31", "Per Ek"),
    "10004": ("Villa Lindgren tillbyggnad", ONGOING, "2025-06-01", "2026-06-30", None),
    "10005": ("Kv. Hammaren kontor", ONGOING, "2025-02-01", "2026-08-31", "Lisa Ström"),
    "10006": (CUT_NAME, ONGOING, "2025-07-01", "2026-09-30", None),
    "10007": ("Idrottshallen Norr", ONGOING, "2025-08-01", "2026-11-30", None),
    "10008": ("Radhusen Björkdalen", ONGOING, "2025-03-15", "2026-05-31", "Per Ek"),
    "10009": ("Vårdcentralen Söder", ONGOING, "2025-04-15", "2026-07-31", None),
    "10010": ("Lagerhall Kungsängen", ONGOING, "2025-05-15", "2026-04-30", None),
    "10011": ("Kontorshus Centrum", ONGOING, "2025-06-15", "2026-12-15", None),
    "10012": ("Brandstation Väst", ONGOING, "2025-01-15", "2026-02-28", None),
    "10013": ("Bibliotek renovering", ONGOING, "2025-02-15", "2026-03-31", None),
    "10014": ("Parkeringshus Ost", ONGOING, "2025-09-01", "2026-09-01", None),
    "10015": ("Simhallen tak", ONGOING, "2025-10-01", "2026-06-01", None),
    "10016": ("Bro över Fyrisån", ONGOING, "2025-03-20", "2027-01-31", None),
    "10017": ("Gruppbostad Ängen", ONGOING, "2025-04-20", "2026-04-20", None),
    "10018": ("Fasadrenovering Torget", ONGOING, "2025-05-20", "2026-05-20", None),
    "10019": ("Ledningsnät etapp 3", ONGOING, "2025-06-20", "2026-06-20", None),
    "10020": ("Förråd kommunen", ONGOING, "2025-07-20", "2026-01-31", None),
    "10021": ("Hiss Brf Ekorren", ONGOING, "2025-08-20", "2026-02-20", None),
    # completed 2025-12-28: the 14 days run until 2026-01-11
    "10022": ("Skola Tallbacken", ONGOING, "2025-02-01", "2026-01-31", None),
    "10023": ("Garage Villa Berg", COMPLETED, "2025-03-01", "2025-12-15", None),
    # status 99 without a completion day: completed at once
    "10024": ("Altan Björk", COMPLETED, "2025-04-01", "2025-12-31", None),
    # completed 2025-12-18: the delay runs out today; 2025-12-19: tomorrow
    "10025": ("Takbyte Granen", COMPLETED, "2025-05-01", "2026-01-15", None),
    "10026": ("Fönsterbyte Almen", ONGOING, "2025-06-01", "2026-01-15", None),
    # no end date: completed twelve months after the start
    "10027": ("Ramavtal underhåll", COMPLETED, "2024-10-01", None, None),
    "10028": ("Ramavtal mark", ONGOING, "2025-06-01", None, "Lisa Ström"),
    "10029": ("Ramavtal el", ONGOING, "2025-01-02", None, None),
    # work orders and change orders: the project's dates and leader unless their own
    "10003_1": ("Rivning badrum", ONGOING, "2025-05-01", "2027-03-31", "Per Ek"),
    "10003_2": ("Stammar källare", COMPLETED, "2025-05-01", "2027-03-31", "Omar Aziz"),
    "10009_1": ("Målning", ONGOING, "2025-04-15", "2026-07-31", None),
    "10003_Ä001": ("Extra fönster", ONGOING, "2025-05-01", "2027-03-31", "Karin Ek"),
    "10003_Ä002": ("Ny trappa", ONGOING, "2025-05-01", "2027-03-31", "Per Ek"),
    "10008_Ä001": ("Tilläggsisolering", COMPLETED, "2025-03-15", "2026-05-31", "Per Ek"),
    "10028_Ä003": ("Balkong", ONGOING, "2025-06-01", None, "Lisa Ström"),
}

#: The bridge's links after the sweep: entity → host id → Fortnox id.
EXPECTED_PROJECT_LINKS: dict[str, dict[str, str]] = {
    "construction_project": {f"p{n:02d}": f"100{n:02d}" for n in range(1, 30)},
    # an order's Fortnox project is the link of its one part, "<order>@project"
    "work_order_project": {
        "w1@project": "10003_1",
        "w2@project": "10003_2",
        "w5@project": "10009_1",
    },
    "change_order_project": {
        "c1@project": "10003_Ä001",
        "c2@project": "10003_Ä002",
        "c3@project": "10008_Ä001",
        "c4@project": "10028_Ä003",
    },
}

#: Open problems: (flow, host id) → the reference the problem e-mail names it by.
PROJECT_PROBLEMS = {
    (PROJECTS, "p30"): "construction project p30 (10030.1 Tillbyggnad Ekbacken)",
    (WORK, "w4"): "work order w4 (10005_2.5 Dränering)",
}

#: Held back without a problem: (flow, host id) → why, as the run log says.
PROJECTS_HELD = {
    (PROJECTS, "p31"): "status code 10 is below 40: not exported yet",
    (PROJECTS, "p32"): "status code 39 is below 40: not exported yet",
    (WORK, "w3"): "status code 20 is below 40: not exported yet",
}

# -- customers -----------------------------------------------------------------------------------

#: id, number, name, zip code, city, type; all Swedish companies but where the expectation says.
_CUSTOMERS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("cu01", "1001", "Uppsala kommun", "75375", "Uppsala", "company"),
    ("cu02", "1002", "Brf Linnéan", "75236", "Uppsala", "company"),
    ("cu03", "1003", "Region Uppsala", "75185", "Uppsala", "company"),
    ("cu04", "1004", "Fastighets AB Fyren", "11122", "Stockholm", "company"),
    ("cu05", "1005", "Eva Lindgren", "74141", "Knivsta", "private"),
    ("cu06", "1006", "Skolfastigheter Gävle AB", "80310", "Gävle", "company"),
    ("cu07", "1007", "Brf Ekorren", "75320", "Uppsala", "company"),
    ("cu08", "1008", "Hyresbostäder Enköping", "74531", "Enköping", "company"),
    ("cu09", "1009", "Jonas Berg", "74632", "Bålsta", "private"),
    ("cu10", "1010", "Nordbygg A/S", "2100", "København", "company"),
    ("cu11", "1011", "Kyrkans fastigheter", "75310", "Uppsala", "company"),
    ("cu12", "1012", "Trafikverket Öst", "17290", "Sundbyberg", "company"),
    ("cu13", "1013", "Vattenfall Service AB", "16979", "Solna", "company"),
    ("cu14", "1014", "Akademiska Hus", "41296", "Göteborg", "company"),
    ("cu15", "1015", "Brf Tallbacken", "75647", "Uppsala", "company"),
    ("cu16", "1016", "Sigtuna kommun", "19585", "Märsta", "company"),
    ("cu17", "1017", "Tierps kommun", "81580", "Tierp", "company"),
    ("cu18", "1018", "Lars Öberg", "75591", "Uppsala", "private"),
    ("cu19", "1019", "Östhammars kommun", "74221", "Östhammar", "company"),
    ("cu20", "1020", "Heby kommun", "74488", "Heby", "company"),
)


def host_customers() -> list[HostRecord]:
    """The host's customers: one Danish with reverse charge, the rest Swedish."""
    records: list[HostRecord] = []
    for external_id, number, name, zip_code, city, kind in _CUSTOMERS:
        body = {"number": number, "name": name, "zip_code": zip_code, "city": city, "type": kind}
        body["email"] = f"f{number}@kund.se"
        body |= {"country_code": "DK", "vat_type": "EUREVERSEDVAT"} if number == "1010" else {}
        body |= {"country_code": "SE"} if number != "1010" else {}
        records.append(("project-customers", external_id, body))
    return records


CO, PR, SEVAT = "COMPANY", "PRIVATE", "SEVAT"
#: Fortnox customers: number → (name, zip code, city, e-mail, type, VAT type, country, active).
EXPECTED_CUSTOMERS: dict[str, tuple[str, str, str, str, str, str, str, bool]] = {
    "1001": ("Uppsala kommun", "75375", "Uppsala", "f1001@kund.se", CO, SEVAT, "SE", True),
    "1002": ("Brf Linnéan", "75236", "Uppsala", "f1002@kund.se", CO, SEVAT, "SE", True),
    "1003": ("Region Uppsala", "75185", "Uppsala", "f1003@kund.se", CO, SEVAT, "SE", True),
    "1004": ("Fastighets AB Fyren", "11122", "Stockholm", "f1004@kund.se", CO, SEVAT, "SE", True),
    "1005": ("Eva Lindgren", "74141", "Knivsta", "f1005@kund.se", PR, SEVAT, "SE", True),
    "1006": ("Skolfastigheter Gävle AB", "80310", "Gävle", "f1006@kund.se", CO, SEVAT, "SE", True),
    "1007": ("Brf Ekorren", "75320", "Uppsala", "f1007@kund.se", CO, SEVAT, "SE", True),
    "1008": ("Hyresbostäder Enköping", "74531", "Enköping", "f1008@kund.se", CO, SEVAT, "SE", True),
    "1009": ("Jonas Berg", "74632", "Bålsta", "f1009@kund.se", PR, SEVAT, "SE", True),
    "1010": ("Nordbygg A/S", "2100", "København", "f1010@kund.se", CO, "EUREVERSEDVAT", "DK", True),
    "1011": ("Kyrkans fastigheter", "75310", "Uppsala", "f1011@kund.se", CO, SEVAT, "SE", True),
    "1012": ("Trafikverket Öst", "17290", "Sundbyberg", "f1012@kund.se", CO, SEVAT, "SE", True),
    "1013": ("Vattenfall Service AB", "16979", "Solna", "f1013@kund.se", CO, SEVAT, "SE", True),
    "1014": ("Akademiska Hus", "41296", "Göteborg", "f1014@kund.se", CO, SEVAT, "SE", True),
    "1015": ("Brf Tallbacken", "75647", "Uppsala", "f1015@kund.se", CO, SEVAT, "SE", True),
    "1016": ("Sigtuna kommun", "19585", "Märsta", "f1016@kund.se", CO, SEVAT, "SE", True),
    "1017": ("Tierps kommun", "81580", "Tierp", "f1017@kund.se", CO, SEVAT, "SE", True),
    "1018": ("Lars Öberg", "75591", "Uppsala", "f1018@kund.se", PR, SEVAT, "SE", True),
    "1019": ("Östhammars kommun", "74221", "Östhammar", "f1019@kund.se", CO, SEVAT, "SE", True),
    "1020": ("Heby kommun", "74488", "Heby", "f1020@kund.se", CO, SEVAT, "SE", True),
}  # fmt: skip

EXPECTED_CUSTOMER_LINKS = {"project_customer": {f"cu{n:02d}": f"10{n:02d}" for n in range(1, 21)}}

# -- suppliers -----------------------------------------------------------------------------------

#: id, number, name, city, bankgiro, organisation number.
_SUPPLIERS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("s01", "2001", "Byggvaruhuset AB", "Uppsala", "5050-1001", "556100-0001"),
    ("s02", "2002", "Trävaror i Mälardalen AB", "Västerås", "5050-1002", "556100-0002"),
    ("s03", "2003", "Rörläggarna Norr AB", "Gävle", "5050-1003", "556100-0003"),
    ("s04", "2004", "Fönsterfabriken i Småland AB", "Vetlanda", "5050-1004", "556100-0004"),
    ("s05", "2005", "Kontorsvaror Sverige AB", "Stockholm", "5050-1005", "556100-0005"),
    ("s06", "2006", "Betongpumpen AB", "Enköping", "5050-1006", "556100-0006"),
    ("s07", "2007", "Ställningsbyggarna AB", "Uppsala", "5050-1007", "556100-0007"),
    ("s08", "2008", "Maskinhyra Öst AB", "Norrtälje", "5050-1008", "556100-0008"),
    ("s09", "2009", "Färghuset AB", "Uppsala", "5050-1009", "556100-0009"),
    ("s10", "2010", "Container och Transport AB", "Knivsta", "5050-1010", "556100-0010"),
)


def host_suppliers() -> list[HostRecord]:
    """The host's suppliers (the tenant exports its supplier register)."""
    return [
        ("project-suppliers", external_id, {"number": number, "name": name, "city": city,
         "bankgiro": bankgiro, "organisation_number": org})
        for external_id, number, name, city, bankgiro, org in _SUPPLIERS
    ]  # fmt: skip


#: Fortnox suppliers: number → (name, city, bankgiro, organisation number, active).
EXPECTED_SUPPLIERS: dict[str, tuple[str, str, str, str, bool]] = {
    "2001": ("Byggvaruhuset AB", "Uppsala", "5050-1001", "556100-0001", True),
    "2002": ("Trävaror i Mälardalen AB", "Västerås", "5050-1002", "556100-0002", True),
    "2003": ("Rörläggarna Norr AB", "Gävle", "5050-1003", "556100-0003", True),
    "2004": ("Fönsterfabriken i Småland AB", "Vetlanda", "5050-1004", "556100-0004", True),
    "2005": ("Kontorsvaror Sverige AB", "Stockholm", "5050-1005", "556100-0005", True),
    "2006": ("Betongpumpen AB", "Enköping", "5050-1006", "556100-0006", True),
    "2007": ("Ställningsbyggarna AB", "Uppsala", "5050-1007", "556100-0007", True),
    "2008": ("Maskinhyra Öst AB", "Norrtälje", "5050-1008", "556100-0008", True),
    "2009": ("Färghuset AB", "Uppsala", "5050-1009", "556100-0009", True),
    "2010": ("Container och Transport AB", "Knivsta", "5050-1010", "556100-0010", True),
    # not in the host's register: created by the supplier invoice export from its invoice
    "2099": ("Elgrossisten i Gävle AB", "Gävle", "5050-1099", "556100-0099", True),
}

EXPECTED_SUPPLIER_LINKS = {"project_supplier": {f"s{n:02d}": f"20{n:02d}" for n in range(1, 11)}}

# -- supplier invoices ---------------------------------------------------------------------------

#: The export sends each row's cost centre (the invoice's when the row has none).
INVOICE_SETTINGS = {"cost_centers": True}
ELGROSSISTEN = {"number": "2099", "name": "Elgrossisten i Gävle AB", "city": "Gävle",
                "bankgiro": "5050-1099", "organisation_number": "556100-0099"}  # fmt: skip

#: A row: (account, amount, project, cost centre).
Row = tuple[int, str, str | None, str | None]
#: id, supplier number, invoice number, total, VAT, project, cost centre, approved, rows.
_INVOICES: tuple[tuple[str, str, str, str, str, str | None, str | None, bool, list[Row]], ...] = (
    ("si01", "2001", "F-5001", "1250", "250", "10001", None, True, [(4000, "1000", None, "BYGG")]),
    ("si02", "2002", "F-5002", "2500", "500", "10003", "BYGG", True,
     [(4010, "1200", None, None), (5460, "800", None, "MARK")]),
    ("si03", "2003", "8841", "625", "125", "10003_1", None, True, [(4000, "500", None, None)]),
    ("si04", "2004", "F-77", "10000", "2000", "10003_Ä001", None, True,
     [(4010, "8000", None, "EL")]),
    ("si05", "2005", "F-3131", "375", "75", None, None, True, [(6110, "300", None, None)]),
    ("si06", "2006", "F-600", "5000", "1000", "10022", None, True,
     [(4000, "2500", None, None), (4010, "1500", "10009_1", "MARK")]),
    ("si07", "2099", "E-1", "1875", "375", "10005", "EL", True, [(4000, "1500", None, None)]),
    ("si08", "2001", "F-5003", "250", "50", "10001", None, True, [(5410, "200", None, None)]),
    # not approved yet: not sent
    ("si09", "2002", "F-5004", "1250", "250", "10003", None, False, [(4000, "1000", None, None)]),
    ("si10", "2003", "8842", "625", "125", None, None, False, [(4000, "500", None, None)]),
    ("si11", "2007", "X-1", "2500", "500", "10007", None, False, [(5410, "2000", None, None)]),
    # an account Fortnox's chart does not have: refused by Fortnox, a problem
    ("si12", "2008", "F-999", "1250", "250", "10013", None, True, [(4999, "1000", None, None)]),
)  # fmt: skip


def _invoice_supplier(number: str) -> dict[str, Any]:
    if number == "2099":
        return ELGROSSISTEN
    _, _, name, city, bankgiro, org = next(s for s in _SUPPLIERS if s[1] == number)
    return {"number": number, "name": name, "city": city, "bankgiro": bankgiro,
            "organisation_number": org}  # fmt: skip


def host_supplier_invoices() -> list[HostRecord]:
    """The host's supplier invoices, dated today, due 30 days later."""
    records: list[HostRecord] = []
    for external_id, supplier, number, total, vat, project, centre, approved, rows in _INVOICES:
        body: dict[str, Any] = {
            "supplier": _invoice_supplier(supplier),
            "invoice_number": number,
            "invoice_date": "2026-01-01",
            "due_date": "2026-01-31",
            "total": total,
            "vat": vat,
            "approved": approved,
            "rows": [
                {"account": account, "amount": amount}
                | ({"project": row_project} if row_project else {})
                | ({"cost_center": row_centre} if row_centre else {})
                for account, amount, row_project, row_centre in rows
            ],
        }
        body |= ({"project": project} if project else {}) | (
            {"cost_center": centre} if centre else {}
        )
        records.append(("supplier-invoices", external_id, body))
    return records


#: A Fortnox row: (account, code, debit, credit, project, cost centre).
FortnoxRow = tuple[int, str, int, int, str, str]
#: Fortnox supplier invoices: (supplier, invoice number) → (total, VAT, project, cost centre,
#: rows); the payable (TOT) and VAT rows first.
EXPECTED_SUPPLIER_INVOICES: dict[tuple[str, str], tuple[int, int, str, str, list[FortnoxRow]]] = {
    ("2001", "F-5001"): (1250, 250, "10001", "", [
        (2440, "TOT", 0, 1250, "", ""), (2640, "VAT", 250, 0, "", ""),
        (4000, "", 1000, 0, "10001", "BYGG")]),
    ("2002", "F-5002"): (2500, 500, "10003", "BYGG", [
        (2440, "TOT", 0, 2500, "", ""), (2640, "VAT", 500, 0, "", ""),
        (4010, "", 1200, 0, "10003", "BYGG"), (5460, "", 800, 0, "10003", "MARK")]),
    ("2003", "8841"): (625, 125, "10003_1", "", [
        (2440, "TOT", 0, 625, "", ""), (2640, "VAT", 125, 0, "", ""),
        (4000, "", 500, 0, "10003_1", "")]),
    ("2004", "F-77"): (10000, 2000, "10003_Ä001", "", [
        (2440, "TOT", 0, 10000, "", ""), (2640, "VAT", 2000, 0, "", ""),
        (4010, "", 8000, 0, "10003_Ä001", "EL")]),
    ("2005", "F-3131"): (375, 75, "", "", [
        (2440, "TOT", 0, 375, "", ""), (2640, "VAT", 75, 0, "", ""),
        (6110, "", 300, 0, "", "")]),
    ("2006", "F-600"): (5000, 1000, "10022", "", [
        (2440, "TOT", 0, 5000, "", ""), (2640, "VAT", 1000, 0, "", ""),
        (4000, "", 2500, 0, "10022", ""), (4010, "", 1500, 0, "10009_1", "MARK")]),
    ("2099", "E-1"): (1875, 375, "10005", "EL", [
        (2440, "TOT", 0, 1875, "", ""), (2640, "VAT", 375, 0, "", ""),
        (4000, "", 1500, 0, "10005", "EL")]),
    ("2001", "F-5003"): (250, 50, "10001", "", [
        (2440, "TOT", 0, 250, "", ""), (2640, "VAT", 50, 0, "", ""),
        (5410, "", 200, 0, "10001", "")]),
}  # fmt: skip

#: The host's invoices that Fortnox numbered (``fortnox_given_number`` written back), each with
#: the invoice number the Fortnox invoice of that number must carry.
EXPECTED_GIVEN_NUMBERS = {
    "si01": "F-5001",
    "si02": "F-5002",
    "si03": "8841",
    "si04": "F-77",
    "si05": "F-3131",
    "si06": "F-600",
    "si07": "E-1",
    "si08": "F-5003",
}

INVOICES_HELD = {(INVOICES, i): "not approved yet" for i in ("si09", "si10", "si11")}
INVOICE_PROBLEMS = {
    (INVOICES, "si12"): "supplier invoice si12 (F-999 from Maskinhyra Öst AB)",
}

# -- cost centres and accounts (Fortnox's registers, imported) -----------------------------------

#: Made in Fortnox beforehand: code → (description, active).
FORTNOX_COST_CENTRES = {
    "BYGG": ("Bygg", True),
    "MARK": ("Mark och anläggning", True),
    "EL": ("El och tele", True),
    "GAMLA": ("Avslutade projekt", False),
}
EXPECTED_COST_CENTRES = {
    "BYGG": {"code": "BYGG", "name": "Bygg", "active": True},
    "MARK": {"code": "MARK", "name": "Mark och anläggning", "active": True},
    "EL": {"code": "EL", "name": "El och tele", "active": True},
    "GAMLA": {"code": "GAMLA", "name": "Avslutade projekt", "active": False},
}

#: Made in Fortnox beforehand, besides its standard chart: number → description.
FORTNOX_ACCOUNTS = {
    2899: "Övriga skulder till projektägare",  # below 3000: not imported
    4020: "Inköp av byggmaterial",
    6991: "Övriga externa kostnader projekt",
}
#: The bridge's accounts: the company's chart from 3000 up, and the two made beforehand.
EXPECTED_ACCOUNTS: dict[str, str] = {
    "3001": "Försäljning inom Sverige, 25 % moms",
    "3002": "Försäljning inom Sverige, 12 % moms",
    "3003": "Försäljning inom Sverige, 6 % moms",
    "3004": "Försäljning inom Sverige, momsfri",
    "3041": "Försäljning tjänster inom Sverige, 25 % moms",
    "3105": "Försäljning varor till land utanför EU",
    "3106": "Försäljning varor till annat EU-land, momspliktig",
    "3108": "Försäljning varor till annat EU-land, momsfri",
    "3740": "Öres- och kronutjämning",
    "4000": "Inköp av varor från Sverige",
    "4010": "Inköp material och varor",
    "4020": "Inköp av byggmaterial",
    "5010": "Lokalhyra",
    "5410": "Förbrukningsinventarier",
    "5460": "Förbrukningsmaterial",
    "6110": "Kontorsmateriel",
    "6212": "Mobiltelefon",
    "6230": "Datakommunikation",
    "6540": "IT-tjänster",
    "6550": "Konsultarvoden",
    "6570": "Bankkostnader",
    "6991": "Övriga externa kostnader projekt",
    "7010": "Löner till kollektivanställda",
    "7210": "Löner till tjänstemän",
    "7331": "Skattefria bilersättningar",
    "7510": "Arbetsgivaravgifter",
    "8310": "Ränteintäkter från omsättningstillgångar",
    "8410": "Räntekostnader för skulder",
    "8999": "Årets resultat",
}

"""The demo data: a Swedish-looking company's employees, absence types, absences, projects and a
week of reported time — the same every time (seeded). ``fortnox-bridge demo`` stores them for its
tenant; tests and benchmarks use them as realistic records.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from faker import Faker

from fortnox_bridge.flows.hr.records import HostEmployee

FAKER_SEED = 2026


def demo_employees(count: int, *, seed: int = FAKER_SEED) -> list[tuple[str, dict[str, Any]]]:
    """``count`` Swedish-looking employees as ``(external_id, payload)``; the same every time."""
    fake = Faker("sv_SE")
    fake.seed_instance(seed)
    employees = []
    phones: set[str] = set()
    for number in range(1, count + 1):
        given, family = fake.first_name(), fake.last_name()
        local = _ascii(f"{given}.{family}").lower().replace(" ", "")
        phone = f"070-{fake.numerify('### ## ##')}"
        while phone in phones:  # phone numbers are unique: draw again (from 5,000 employees on)
            phone = f"070-{fake.numerify('### ## ##')}"
        phones.add(phone)
        record = HostEmployee(
            email=f"{local}.{number}@demo-ab.se",
            given_name=given,
            family_name=family,
            phone=phone,
            address_line1=fake.street_address(),
            postal_code=fake.postcode(),
            city=fake.city(),
            country="Sverige",
            employment_start=fake.date_between(date(2015, 1, 1), date(2025, 12, 31)),
        )
        employees.append((f"emp-{number:04d}", record.model_dump(mode="json", exclude_none=True)))
    return employees


#: The demo company's absence types: ``(host id, payload)``; their cause codes come from the
#: defaults (sick leave and self-certification → SJK, vacation → SEM, ...).
DEMO_ABSENCE_TYPES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("sick", {"code": "sick", "name": "Sick leave"}),
    ("self-cert", {"code": "self-cert", "name": "Self-certified sick leave"}),
    ("vacation", {"code": "vacation", "name": "Vacation"}),
    ("vab", {"code": "vab", "name": "Care of sick child"}),
    ("parental", {"code": "parental", "name": "Parental leave"}),
    ("course", {"code": "course", "name": "Course", "counts_as_work_days": False}),
)


#: The demo company's projects: ``(host id, payload)``; time on them is working time (TID).
DEMO_PROJECTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("proj-villa", {"number": "1001", "name": "Villa Ekbacken", "paxml_code": "TID"}),
    ("proj-school", {"number": "1002", "name": "Skolan Norra", "paxml_code": "TID"}),
    ("proj-bridge", {"number": "1003", "name": "Bron Älvsbacka", "paxml_code": "TID"}),
)
#: The week of reported time in the demo, Monday to Friday.
DEMO_WEEK = ("2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26", "2026-03-27")


def demo_time_entries(employees: int = 5) -> list[tuple[str, dict[str, Any]]]:
    """A week of reported time of the first demo employees, as ``(external_id, payload)``:
    8 hours a day on a project (two entries on Mondays, added up by the bridge) and overtime
    (PAXml ÖT1, Fortnox OT1) on Thursday for the first employee. Absence comes from the demo's
    absences (``hr.absence.push``), so it is not reported here."""
    projects = [host_id for host_id, _ in DEMO_PROJECTS]
    entries: list[tuple[str, dict[str, Any]]] = []
    for number in range(1, employees + 1):
        employee = f"emp-{number:04d}"
        for index, day in enumerate(DEMO_WEEK):
            work = {"employee": employee, "date": day, "project": projects[(number + index) % 3]}
            key = f"te-{number:04d}-{day}"
            if index == 0:
                entries.append((key + "-am", {**work, "hours": "4.5"}))
                entries.append((key + "-pm", {**work, "hours": "3.5"}))
            else:
                entries.append((key, {**work, "hours": "8"}))
            if number == 1 and index == 3:
                entries.append((key + "-ot", {**work, "hours": "2", "paxml_code": "ÖT1"}))
    return entries


def demo_absences() -> list[tuple[str, dict[str, Any]]]:
    """Absences of the first demo employees, as ``(external_id, payload)``: approved ones with
    an end date (written to Fortnox, one transaction per working day) and a few that are not
    sent (requested, open-ended, a type that does not count as work days)."""
    rows = (
        ("emp-0001", "sick", "2026-03-02", "2026-03-04", "approved", 100),
        ("emp-0002", "vacation", "2026-03-09", "2026-03-15", "approved", 100),
        ("emp-0003", "vab", "2026-03-03", "2026-03-03", "approved", 100),
        ("emp-0004", "parental", "2026-03-16", "2026-03-27", "approved", 50),
        ("emp-0005", "self-cert", "2026-03-05", "2026-03-06", "approved", 100),
        ("emp-0006", "vacation", "2026-07-06", "2026-07-24", "requested", 100),
        ("emp-0007", "sick", "2026-03-10", None, "approved", 100),
        ("emp-0008", "course", "2026-03-11", "2026-03-12", "approved", 100),
    )
    return [
        (
            f"abs-{number:04d}",
            {
                "employee": employee,
                "absence_type": kind,
                "start": start,
                "end": end,
                "status": status,
                "extent": extent,
            },
        )
        for number, (employee, kind, start, end, status, extent) in enumerate(rows, start=1)
    ]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


#: The projects family's demo: a building contractor's construction projects (one completed),
#: their work and change orders, customers, suppliers and an approved supplier invoice, as
#: ``(entity, host id, payload)``. Their numbers stay clear of the payroll demo's projects.
DEMO_CONSTRUCTION: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("construction_project", "bp-ekbacken",
     {"number": "2101", "name": "Nybyggnad förskola Ekbacken", "status_code": 50,
      "start_date": "2026-02-02", "end_date": "2026-11-30", "leader": "Astrid Lindqvist"}),
    ("construction_project", "bp-torget",
     {"number": "2102", "name": "Ombyggnad Stora Torget 3", "status_code": 60,
      "start_date": "2026-03-02", "leader": "Nils Bergström"}),
    ("construction_project", "bp-garage",
     {"number": "2103", "name": "Garage Karin Ek", "status_code": 90,
      "start_date": "2025-09-01", "completed_on": "2026-01-15"}),
    ("work_order", "wo-ekbacken-1",
     {"project": "bp-ekbacken", "number": "1", "name": "Grundläggning", "status_code": 50,
      "created_on": "2026-02-02"}),
    ("work_order", "wo-ekbacken-2",
     {"project": "bp-ekbacken", "number": "2", "name": "Stomme och tak", "status_code": 40,
      "created_on": "2026-03-16"}),
    ("work_order", "wo-torget-1",
     {"project": "bp-torget", "number": "1", "name": "Rivning", "status_code": 50,
      "created_on": "2026-03-02"}),
    ("change_order", "co-ekbacken-1",
     {"project": "bp-ekbacken", "number": "Ä001", "name": "Extra dränering", "status_code": 50,
      "created_on": "2026-03-20"}),
    ("change_order", "co-torget-1",
     {"project": "bp-torget", "number": "Ä001", "name": "Byte av fönster", "status_code": 40,
      "created_on": "2026-03-25"}),
    ("project_customer", "cust-uppsala-kommun",
     {"number": "2001", "name": "Uppsala kommun, Lokalförsörjning", "address1": "Stationsgatan 12",
      "zip_code": "753 75", "city": "Uppsala", "organisation_number": "212000-3005",
      "email": "faktura@uppsala.se", "type": "company"}),
    ("project_customer", "cust-vfs",
     {"number": "2002", "name": "Västerås Fastighetsservice AB", "address1": "Stora Torget 3",
      "zip_code": "722 15", "city": "Västerås", "organisation_number": "556234-5678",
      "email": "ekonomi@vfs.se", "type": "company"}),
    ("project_customer", "cust-karin-ek",
     {"number": "2003", "name": "Karin Ek", "address1": "Bantorget 5", "zip_code": "222 21",
      "city": "Lund", "type": "private"}),
    ("project_supplier", "sup-betong",
     {"number": "3001", "name": "Uppsala Betong AB", "address1": "Industrivägen 4",
      "zip_code": "752 28", "city": "Uppsala", "organisation_number": "556345-6789",
      "bankgiro": "5050-1001"}),
    ("project_supplier", "sup-fonster",
     {"number": "3002", "name": "Mälardalens Fönster AB", "address1": "Verkstadsgatan 9",
      "zip_code": "723 48", "city": "Västerås", "organisation_number": "556456-7890",
      "bankgiro": "5050-1002"}),
    ("supplier_invoice", "si-betong-1",
     {"supplier": {"number": "3001", "name": "Uppsala Betong AB"}, "invoice_number": "B-4711",
      "invoice_date": "2026-03-10", "due_date": "2026-04-09", "total": "62500", "vat": "12500",
      "project": "2101", "approved": True,
      "rows": [{"account": 4010, "amount": "50000", "description": "Betong grundplatta"}]}),
)  # fmt: skip

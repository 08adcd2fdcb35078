"""Seeds for new sandbox companies: ``empty`` and ``demo`` (a small Swedish company)."""

from __future__ import annotations

from fortnox_bridge.sandbox.state import Company

SEEDS = ("empty", "demo")

_DEMO_EMPLOYEES = (
    {"EmployeeId": "1", "FirstName": "Astrid", "LastName": "Lindqvist",
     "Email": "astrid.lindqvist@exempel.se", "City": "Uppsala", "ScheduleId": "HEL",
     "EmploymentDate": "2019-03-01", "MonthlySalary": "41500"},
    {"EmployeeId": "2", "FirstName": "Nils", "LastName": "Bergström",
     "Email": "nils.bergstrom@exempel.se", "City": "Västerås", "ScheduleId": "HEL",
     "EmploymentDate": "2021-08-16", "MonthlySalary": "38200"},
)  # fmt: skip


def apply_seed(company: Company, seed: str) -> None:
    """Fill ``company`` with the registers of ``seed``."""
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {', '.join(SEEDS)}")
    if seed == "demo":
        for row in _DEMO_EMPLOYEES:
            company.employees[row["EmployeeId"]] = dict(row)
        company.next_employee_number = len(_DEMO_EMPLOYEES) + 1

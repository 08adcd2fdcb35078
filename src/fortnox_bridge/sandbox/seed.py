"""Seeds for new sandbox companies: ``empty`` and ``demo`` (a small Swedish company)."""

from __future__ import annotations

from datetime import date

from fortnox_bridge.sandbox.company import Company

SEEDS = ("empty", "demo")

_DEMO_EMPLOYEES = (
    {"EmployeeId": "1", "FirstName": "Astrid", "LastName": "Lindqvist",
     "Email": "astrid.lindqvist@exempel.se", "City": "Uppsala", "ScheduleId": "HEL",
     "EmploymentDate": "2019-03-01", "MonthlySalary": "41500"},
    {"EmployeeId": "2", "FirstName": "Nils", "LastName": "Bergström",
     "Email": "nils.bergstrom@exempel.se", "City": "Västerås", "ScheduleId": "HEL",
     "EmploymentDate": "2021-08-16", "MonthlySalary": "38200"},
)  # fmt: skip


def apply_seed(company: Company, seed: str, *, today: date | None = None) -> None:
    """Fill ``company`` with the registers of ``seed``."""
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {', '.join(SEEDS)}")
    if seed == "demo":
        register = company.register("employees")
        for row in _DEMO_EMPLOYEES:
            register.put(row["EmployeeId"], dict(row), "")

"""What Fortnox holds of salary data, read back for the payroll tests."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from fortnox_bridge.fortnox import FortnoxClient

#: (employee id, day, cause code, project, cost centre) → hours.
Rows = dict[tuple[str, str, str, str | None, str | None], Decimal]


async def salary_transactions(client: FortnoxClient) -> tuple[Rows, Rows, dict[str, str]]:
    """Fortnox's attendance and absence transactions (a key seen twice fails the test), and the
    Fortnox id of each row by its key joined with ``|``."""
    found: list[Rows] = []
    ids: dict[str, str] = {}
    for resource in (client.attendance_transactions, client.absence_transactions):
        rows: Rows = {}
        async for row in resource.iterate():
            data = row.model_dump(mode="json")
            key = (
                str(data["employee_id"]),
                str(data["date"]),
                str(data["cause_code"]),
                data.get("project") or None,
                data.get("cost_center") or None,
            )
            assert key not in rows, f"two transactions for {key}"
            rows[key] = Decimal(str(data["hours"]))
            ids["|".join(str(part) for part in key)] = str(data["id"])
        found.append(rows)
    return found[0], found[1], ids


async def registers_in_fortnox(
    client: FortnoxClient, projects: Iterable[str], cost_centers: Iterable[str]
) -> None:
    """Create in Fortnox the projects and cost centres the time entries name, as a company
    that reports time on them has them (the payroll flows hold days on codes Fortnox lacks)."""
    for number in projects:
        await client.projects.create({"project_number": number, "description": f"Projekt {number}"})
    for code in cost_centers:
        await client.cost_centers.create({"code": code, "description": f"Kostnadsställe {code}"})

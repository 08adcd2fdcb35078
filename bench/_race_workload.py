"""What the clients of ``race.py`` do to one tenant at once (not a benchmark itself).

Four phases against the host API: new employees with "sync now" waited for while their pushes
run; ten batches on the same employee-days with syncs and a re-sync of the month; many entries
from four clients while a worker is killed; then "sync now" until nothing is left to write.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from fortnox_bridge.cli.work.demo_data import demo_employees

DAYS = [f"2026-03-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10)]
PROJECT = {"external_id": "p1", "data": {"number": "P100", "name": "Projekt P100"}}


async def workload(
    api: str, key: str, employees: int, entries: int, kill_one: Callable[[], None]
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=600) as http:
        people = await _new_employees(http, employees)
        same_days = await _same_days_again(http, people)
        await _bulk(http, people, entries, kill_one)
        # 4. Settle: "sync now" until a run has nothing left to write.
        settled = await _settle(http)
        return {
            "employees_sent": employees,
            "entries_sent": len(same_days) * 3 + entries,
            "settling_syncs": settled,
        }


async def _new_employees(http: httpx.AsyncClient, employees: int) -> list[dict[str, Any]]:
    people = [
        {"external_id": external_id, "data": payload}
        for external_id, payload in demo_employees(employees)
    ]
    # The sandbox company has no project P100: the bridge creates it before the first day.
    create = {"settings": {"missing_project": "create"}}
    answer = await http.patch("/api/v1/flows/payroll.attendance.push", json=create)
    assert answer.status_code == 200, answer.text
    # 1. A batch of new employees, "sync now" waited for while their pushes run.
    await _batch(http, "employees", people)
    await _batch(http, "projects", [PROJECT])
    await asyncio.sleep(0.3)
    await asyncio.gather(_sync(http, wait=True), _sync(http, wait=False))
    return people


async def _same_days_again(
    http: httpx.AsyncClient, people: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    # 2. Ten batches 0.3 s apart on the same 20 employee-days, with syncs and a re-sync.
    first = [p["external_id"] for p in people[:5]]
    same_days = [(person, day) for person in first for day in DAYS[:4]]

    async def small(round_: int) -> None:
        await asyncio.sleep(0.3 * round_)
        hours = str(Decimal("1.5") + Decimal(round_) / 2)
        records = [
            {
                "external_id": f"s-{person}-{day}-{round_ % 3}",
                "data": {"employee": person, "date": day, "hours": hours, "project": "p1"},
            }
            for person, day in same_days
        ]
        await _batch(http, "time-entries", records)
        if round_ % 3 == 0:
            await _sync(http, wait=True)
        elif round_ % 3 == 1:
            await _sync(http, wait=False)

    async def resync() -> None:
        await asyncio.sleep(1.2)
        answer = await http.post(
            "/api/v1/resync", json={"flow": "payroll", "from": "2026-03-01", "to": "2026-03-31"}
        )
        assert answer.status_code in (202, 409), answer.text

    await asyncio.gather(*(small(r) for r in range(10)), resync())
    return same_days


async def _bulk(
    http: httpx.AsyncClient,
    people: list[dict[str, Any]],
    entries: int,
    kill_one: Callable[[], None],
) -> None:
    # 3. Many entries on 210 keys (30 employees × 7 days) from four clients at once.
    # Other employees than phase 2's, and hours that keep each day under 24 however many
    # entries it gets (a day over 24 hours is refused by Fortnox, which is not the point).
    keys = [(p["external_id"], day) for p in people[5:35] for day in DAYS]
    per_key = max(1, entries // len(keys))
    small_hours = Decimal(20) / per_key / 2
    bulk = [
        {
            "external_id": f"b-{n}",
            "data": {
                "employee": keys[n % len(keys)][0],
                "date": keys[n % len(keys)][1],
                "hours": str((small_hours * (n % 2 + 1)).quantize(Decimal("0.01"))),
                "project": "p1",
            },
        }
        for n in range(entries)
    ]
    chunks = [bulk[i : i + 1000] for i in range(0, len(bulk), 1000)]

    async def client(part: list[list[dict[str, Any]]], index: int) -> None:
        for number, chunk in enumerate(part):
            await _batch(http, "time-entries", chunk)
            if number % 3 == index % 3:
                await _sync(http, wait=index % 2 == 0)

    async def killer() -> None:
        await asyncio.sleep(2.0)
        await asyncio.to_thread(kill_one)

    await asyncio.gather(*(client(chunks[i::4], i) for i in range(4)), killer())


async def _batch(http: httpx.AsyncClient, collection: str, records: list[dict[str, Any]]) -> None:
    answer = await http.post(f"/api/v1/{collection}:batch", json={"records": records})
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["rejected"] == 0, answer.text


async def _sync(http: httpx.AsyncClient, *, wait: bool) -> dict[str, Any]:
    answer = await http.post("/api/v1/sync", json={"wait": True} if wait else {})
    assert answer.status_code in (200, 202), answer.text
    return dict(answer.json())


async def _settle(http: httpx.AsyncClient) -> int:
    """How many syncs it took until one had nothing left to write (-1: never)."""
    result: dict[str, Any] = {}
    for attempt in range(1, 60):
        result = await _sync(http, wait=True)
        counts = result.get("counts", {})
        if result.get("status") == "succeeded" and not any(
            counts.get(name, 0) for name in ("created", "updated", "deleted", "failed")
        ):
            return attempt
        await asyncio.sleep(1)
    print(f"race: the tenant did not settle within a minute of syncs: {result}", file=sys.stderr)
    return -1

"""A financial year's general ledger imported through the SIE export, beside the per-voucher way.

    python bench/ledger_year_import.py [--vouchers 20000] [--rows 5] [--database-url URL]
                                       [--quick]

One sandbox company (in process, no rate limit) whose current financial year holds ``vouchers``
vouchers of ``rows`` rows each over series A, B and D (copied into its register: booking them
one by one would measure the sandbox). The ledger family's sync of that year is timed three
ways: the first sync (the list of years, the export; documents off), the next one with nothing
changed, and the bridge's own share of the first (reading the file, diffing, storing: wall and
CPU time, and in a second run its peak of Python memory by tracemalloc), beside the in-process
sandbox's time to write and send the file (part of every sync's time here). The per-voucher way
(the fallback when the export is unavailable: the list of vouchers, each voucher read, the
chart) is run too, for its requests; its time is computed at Fortnox's limit of 25 requests per
5 s. ``--quick`` is a small size for the tests. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx

from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.sync.ledger_year_fallback import read_vouchers
from fortnox_bridge.engine.sync.ledger_year_read import read_sie
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo, store_year
from fortnox_bridge.engine.sync.ledger_years import LedgerYearSync, SyncRequest
from fortnox_bridge.flows.ledger.year_pull import LedgerYearPull, LedgerYearSettings
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.clock import stockholm_stamp
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.ledger_years import LedgerYearRepository
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"
SERIES = ("A", "B", "D")
SCOPES = ["bookkeeping", "connectfile", "archive"]
#: Fortnox's rate limit: requests per window of seconds.
LIMIT, WINDOW = 25, 5.0
#: (account, cost centre, project) of a voucher's rows but the last (which balances them).
ROWS = ((4010, "PROD", "1"), (2640, None, None), (6110, "ADM", None), (5010, None, "2"))


def book(state: SandboxState, company: int, vouchers: int, rows: int) -> int:
    """``vouchers`` balanced vouchers of ``rows`` rows in the company's current year; its id."""
    held = state.companies[company]
    (year,) = held.register("financialyears").records.values()
    register, stamp = held.register("vouchers"), stockholm_stamp(state.clock.now())
    numbers = dict.fromkeys(SERIES, 0)
    first = str(year["FromDate"])
    for index in range(vouchers):
        series = SERIES[index % len(SERIES)]
        numbers[series] += 1
        lines = []
        for line in range(rows - 1):
            account, centre, project = ROWS[line % len(ROWS)]
            row: dict[str, Any] = {"Account": account, "Debit": 100 + index % 900 + line,
                                   "Credit": 0, "Removed": False,
                                   "TransactionInformation": f"rad {line}"}  # fmt: skip
            row |= ({"CostCenter": centre} if centre else {}) | (
                {"Project": project} if project else {}
            )
            lines.append(row)
        total = sum(row["Debit"] for row in lines)
        lines.append({"Account": 1930, "Debit": 0, "Credit": total, "Removed": False})
        register.put(
            f"{year['Id']}/{series}/{numbers[series]}",
            {"VoucherSeries": series, "VoucherNumber": numbers[series], "Year": year["Id"],
             "TransactionDate": first, "Description": f"Verifikation {index}",
             "ReferenceType": "MANUAL", "VoucherRows": lines},
            stamp,
        )  # fmt: skip
    return int(year["Id"])


def tenant(sessions: Any) -> int:
    with sessions.begin() as session:
        made = TenantRepository(session).create(f"Huvudbok {time.time_ns()}", now=_now())
        made.families = sorted({*made.families, "ledger"})
        return int(made.id)


def _now() -> Any:
    return SystemClock().now()


def _flow() -> LedgerYearPull:
    return LedgerYearPull(LedgerYearSettings(latest_years=1, documents=False))


async def sync(sessions: Any, tenant_id: int, client: FortnoxClient) -> dict[str, Any]:
    before, wall, cpu = client.requests_made, time.perf_counter(), time.process_time()
    sync = LedgerYearSync(sessions, SystemClock(), tenant_id, client, _flow(), None)
    outcomes = await sync.run(SyncRequest())
    return {
        "requests": client.requests_made - before,
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "outcome": outcomes[0].to_dict(),
    }


def import_alone(sessions: Any, content: bytes, traced: bool) -> dict[str, Any]:
    """Read, diff and store a year's file into a new tenant: wall time, or peak memory."""
    tenant_id = tenant(sessions)
    with sessions.begin() as session:
        (year,) = LedgerYearRepository(session).upsert_years(
            tenant_id, [(1, *_dates(content))], now=_now()
        )
        info = YearInfo.of(year)
    if traced:
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    read = read_sie(content)
    read_cpu = time.process_time() - cpu
    outcome = store_year(sessions, SystemClock(), tenant_id, info, read, source="fortnox",
                         read_from="export")  # fmt: skip
    seconds, cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    assert outcome.new == len(read.vouchers)
    return {
        "wall_s": round(seconds, 2), "cpu_s": round(cpu_s, 2), "read_cpu_s": round(read_cpu, 2),
        "peak_mib": round(peak / 2**20, 1),
    }  # fmt: skip


def _dates(content: bytes) -> tuple[Any, Any, None]:
    read = read_sie(content)
    return read.first, read.last, None


async def measure(vouchers: int, rows: int, database_url: str) -> dict[str, Any]:
    state = SandboxState()
    transport = httpx.ASGITransport(app=create_app(state))
    async with SandboxControl(URL, transport=transport) as control:
        await control.set_rate_limit(enabled=False)
        company = int((await control.create_company("Huvudbok AB"))["tenant_id"])
        token = (await control.issue_tokens(company, SCOPES))["access_token"]
    year_id = book(state, company, vouchers, rows)
    with open_store(Settings(database_url=database_url), clock=SystemClock()) as store:
        sessions = store.sessions
        async with FortnoxClient(access_token=token, api_url=URL, transport=transport) as client:
            tenant_id = tenant(sessions)
            first = await sync(sessions, tenant_id, client)
            again = await sync(sessions, tenant_id, client)
            wall, cpu = time.perf_counter(), time.process_time()
            content = await client.sie.export(year_id, type=4)
            export_s, export_cpu = time.perf_counter() - wall, time.process_time() - cpu
            alone = import_alone(sessions, content, traced=False)
            memory = import_alone(sessions, content, traced=True)
            before, wall = client.requests_made, time.perf_counter()
            fallback = await read_vouchers(client, year_id)
            fallback_wall = time.perf_counter() - wall
            fallback_requests = client.requests_made - before
    assert first["outcome"]["new"] == vouchers, first
    assert len(fallback.vouchers) == vouchers
    return {
        "benchmark": "ledger_year_import",
        "backend": database_url.split(":", 1)[0],
        "vouchers": vouchers,
        "rows": vouchers * rows,
        "sie_bytes": len(content),
        "first_sync_requests": first["requests"],
        "first_sync_wall_s": first["wall_s"],
        "first_sync_cpu_s": first["cpu_s"],
        "unchanged_sync_requests": again["requests"],
        "unchanged_sync_wall_s": again["wall_s"],
        "unchanged_sync_cpu_s": again["cpu_s"],
        "unchanged_sync_status": again["outcome"]["status"],
        "export_in_process_wall_s": round(export_s, 2),
        "export_in_process_cpu_s": round(export_cpu, 2),
        "import_wall_s": alone["wall_s"],
        "import_cpu_s": alone["cpu_s"],
        "import_read_cpu_s": alone["read_cpu_s"],
        "import_peak_python_mib": memory["peak_mib"],
        "per_voucher_requests": fallback_requests,
        "per_voucher_in_process_wall_s": round(fallback_wall, 1),
        "per_voucher_at_rate_limit_s": round(fallback_requests * WINDOW / LIMIT),
        "export_at_rate_limit_s": round(first["requests"] * WINDOW / LIMIT, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vouchers", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="300 vouchers of 5 rows")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    vouchers = 300 if args.quick else args.vouchers
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        print(json.dumps(asyncio.run(measure(vouchers, args.rows, url))))


if __name__ == "__main__":
    main()

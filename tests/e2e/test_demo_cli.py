"""``fortnox-bridge demo`` and ``fortnox-bridge sandbox`` as a user runs them."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from .conftest import STARTUP_TIMEOUT, free_port, run_cli, start, wait_until_up

DEMO_KEYS = {
    "tenant_id",
    "api_key",
    "api_url",
    "sandbox_tenant_id",
    "admin_url",
    "admin_email",
    "admin_password",
}
#: The demo's 25 employees, the absence transactions of its approved absences (one per working
#: day; 8 absences in all, 3 of them not sent) and the attendance transactions of its week of
#: reported time (5 employees × 5 days of working time, and one day of overtime) on 25 days.
EMPLOYEES, ABSENCE_TRANSACTIONS, ABSENCES = 25, 21, 8
ATTENDANCE_TRANSACTIONS, SALARY_DAYS = 26, 25
TRANSACTIONS = ABSENCE_TRANSACTIONS + ATTENDANCE_TRANSACTIONS
#: The demo's three projects, which the bridge creates in the sandbox company first.
PROJECTS = 3
#: The projects family's records: 3 construction projects, 3 work orders and 2 change orders
#: (projects of their own), 3 customers, 2 suppliers and a supplier invoice, one write each.
CONSTRUCTION = 14
#: The base imports of the projects family read Fortnox every cycle: one list each of cost
#: centres and accounts (the demo company's 3 cost centres and the 27 accounts of its chart from
#: 3000 up) and the voucher import's lists of series A, B and D (no voucher on a project).
IMPORT_READS, IMPORTED = 2 + 3, 3 + 27
#: The ledger family's two financial years: the demo company's five vouchers of last year and
#: the demo's 20 per year in series A, B and D, with 14 documents per year (the customer and
#: supplier invoices and two receipts). Once read, each year costs one request (its SIE export).
LEDGER_YEARS, LEDGER_VOUCHERS, LEDGER_DOCUMENTS = 2, 5 + 2 * 20, 2 * 14
LEDGER_READS = LEDGER_YEARS
LEDGER_LINE = (
    f"Ledger: {LEDGER_YEARS} financial years, {LEDGER_VOUCHERS} vouchers, "
    f"{LEDGER_DOCUMENTS} documents"
)
#: The service family's records: 3 customers, 6 articles with a price each and 3 orders (a
#: service, a work and a sales order), one write each (a price's write reads the article's
#: prices first). The office then invoices the service order in Fortnox, so 2 stay orders.
SERVICE_CUSTOMERS, SERVICE_ARTICLES, SERVICE_PRICES, SERVICE_ORDERS = 3, 6, 6, 3
SERVICE = SERVICE_CUSTOMERS + SERVICE_ARTICLES + SERVICE_PRICES + SERVICE_ORDERS
#: The demo company's 4 customers and 6 articles come to the host from Fortnox too, and the
#: projects family's 3 customers: after a cycle the host has 12 articles and 10 customers.
ARTICLES, CUSTOMERS = SERVICE_ARTICLES + 6, SERVICE_CUSTOMERS + 4 + 3
SERVICE_LINE = (
    f"Service: {SERVICE_ORDERS} orders sent (2 orders, 1 invoice), {ARTICLES} articles, "
    f"{SERVICE_PRICES} prices"
)
#: What the service family reads every cycle, as its two-way pulls read Fortnox: the customers
#: and articles changed since the last cycle (a list each, with five minutes of overlap: the
#: first cycle's 3 customers and 6 articles, each read in full), the price list's articles and
#: prices, and the invoice list of the invoiced-status pull.
SERVICE_READS = (1 + SERVICE_CUSTOMERS) + (1 + SERVICE_ARTICLES) + 2 + 1
#: What it finds unchanged the second time: the customers and articles listed, every customer,
#: article and price of the host, the three orders and the invoiced one.
SERVICE_UNCHANGED = SERVICE_CUSTOMERS + CUSTOMERS + SERVICE_ARTICLES + ARTICLES
SERVICE_UNCHANGED += 2 * SERVICE_PRICES + SERVICE_ORDERS + 1


def _totals(output: str) -> dict[str, int]:
    (line,) = [row for row in output.splitlines() if row.startswith("Totals:")]
    return {key: int(value) for key, value in (part.split("=") for part in line.split()[1:])}


def test_demo_once_creates_then_reruns_idle(tmp_path: Path) -> None:
    first = run_cli("demo", "--once", "--data-dir", "var", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _totals(first.stdout)["created"] == EMPLOYEES + TRANSACTIONS + CONSTRUCTION + SERVICE
    assert "hr.employee.push" in first.stdout
    assert "hr.absence.push" in first.stdout
    assert "payroll.attendance.push" in first.stdout
    assert "projects.work_order.push" in first.stdout
    assert "ledger.year.pull" in first.stdout
    assert LEDGER_LINE in first.stdout
    assert SERVICE_LINE in first.stdout
    info = json.loads((tmp_path / "var" / "demo.json").read_text())
    assert info["service"] == {
        "orders_sent": SERVICE_ORDERS,
        "orders": 2,
        "invoices": 1,
        "articles": ARTICLES,
        "prices": SERVICE_PRICES,
    }
    assert info["ledger"] == {
        "years": LEDGER_YEARS,
        "vouchers": LEDGER_VOUCHERS,
        "documents": LEDGER_DOCUMENTS,
    }
    assert set(info) >= DEMO_KEYS
    assert info["api_url"] == "http://127.0.0.1:8000/api/v1"
    assert info["api_key"] in first.stdout  # printed as well as written
    assert info["admin_url"] == "http://127.0.0.1:8000/ui/"
    assert f"with password {info['admin_password']}" in " ".join(first.stdout.split())
    assert (tmp_path / "var" / "fortnox-bridge.sqlite").exists()

    second = run_cli("demo", "--once", "--data-dir", "var", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    totals = _totals(second.stdout)
    assert (totals["created"], totals["requests"], totals["unchanged"]) == (
        0,
        IMPORT_READS + LEDGER_READS + SERVICE_READS,
        EMPLOYEES + ABSENCES + SALARY_DAYS + CONSTRUCTION + IMPORTED + LEDGER_VOUCHERS
        + SERVICE_UNCHANGED,
    )  # fmt: skip
    assert LEDGER_LINE in second.stdout
    assert SERVICE_LINE in second.stdout
    again = json.loads((tmp_path / "var" / "demo.json").read_text())
    assert {k: again[k] for k in DEMO_KEYS} == {k: info[k] for k in DEMO_KEYS}
    flows = {flow["flow"]: flow for flow in again["last_run"]["flows"]}
    assert flows["hr.employee.push"]["unchanged"] == 25


def test_demo_against_a_standalone_sandbox_makes_no_writes_the_second_time(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    sandbox = start(spawn, "sandbox", "--port", str(port), cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    assert wait_until_up(f"{url}/", sandbox).status_code == 200

    first = run_cli("demo", "--once", "--data-dir", "d", "--sandbox-url", url, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _totals(first.stdout)["created"] == EMPLOYEES + TRANSACTIONS + CONSTRUCTION + SERVICE
    assert LEDGER_LINE in first.stdout
    assert SERVICE_LINE in first.stdout
    tenant = json.loads((tmp_path / "d" / "demo.json").read_text())["sandbox_tenant_id"]
    after_first = httpx.get(f"{url}/_sandbox/stats", params={"tenant_id": tenant}).json()
    # The service family's writes and the office's invoice of the service order.
    writes = EMPLOYEES + TRANSACTIONS + PROJECTS + CONSTRUCTION + SERVICE + 1
    assert after_first["write_requests"] == writes
    # The sandbox enforces Fortnox's 25 requests per 5 s, and the bridge keeps to it.
    assert after_first["requests_total"] > 25
    assert "429" not in after_first["responses_by_status"]

    second = run_cli("demo", "--once", "--data-dir", "d", "--sandbox-url", url, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _totals(second.stdout)["created"] == 0
    after_second = httpx.get(f"{url}/_sandbox/stats", params={"tenant_id": tenant}).json()
    assert after_second["write_requests"] == writes
    assert after_second["requests_total"] == (
        after_first["requests_total"] + IMPORT_READS + LEDGER_READS + SERVICE_READS
    )


def test_demo_serves_healthz_and_the_api_until_interrupted(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    demo = start(spawn, "demo", "--data-dir", "var", "--port", str(port), cwd=tmp_path)
    # The demo serves after its first cycle, which also reads the ledger's two years.
    health = wait_until_up(f"http://127.0.0.1:{port}/healthz", demo, seconds=3 * STARTUP_TIMEOUT)
    assert health.status_code == 200
    info = json.loads((tmp_path / "var" / "demo.json").read_text())
    assert info["api_url"] == f"http://127.0.0.1:{port}/api/v1"
    put = httpx.put(
        f"{info['api_url']}/employees/new-1",
        json={"email": "ny@demo-ab.se", "given_name": "Ny", "family_name": "Anställd"},
        headers={"Authorization": f"Bearer {info['api_key']}"},
    )
    assert put.status_code == 201
    # The engine runs behind the API: the change is pushed within seconds, and "sync now" waits.
    auth = {"Authorization": f"Bearer {info['api_key']}"}
    operation = f"{info['api_url']}/operations/{put.json()['operation_id']}"
    status = _poll(lambda: httpx.get(operation, headers=auth).json()["status"], "succeeded")
    assert status == "succeeded"
    synced = httpx.post(f"{info['api_url']}/sync", json={"wait": True}, headers=auth, timeout=30)
    assert synced.status_code == 200, synced.text
    assert synced.json()["status"] == "succeeded"
    assert synced.json()["counts"]["failed"] == 0
    # The admin UI is served too, and the demo's printed login signs in.
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
        login = browser.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        signed = browser.post(
            "/ui/login",
            data={"email": info["admin_email"], "password": info["admin_password"],
                  "next": "/tenants", "csrf_token": token.group(1)},
        )  # fmt: skip
        assert signed.status_code == 303
        assert signed.headers["location"] == "/ui/tenants"
        assert "Demo AB" in browser.get("/ui/tenants").text
    demo.send_signal(signal.SIGINT)
    output, _ = demo.communicate(timeout=30)
    assert demo.returncode == 0, output
    assert "Stopped." in output


def _poll(read: Callable[[], str], wanted: str, seconds: float = 20.0) -> str:
    """Read until the value is ``wanted`` or ``seconds`` passed (a real server works meanwhile)."""
    deadline = time.monotonic() + seconds
    value = read()
    while value != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


def test_demo_says_clearly_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("demo", "--data-dir", "var", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stdout
    assert "--port" in result.stdout


def test_demo_says_clearly_when_the_sandbox_is_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("demo", "--once", "--data-dir", "var", "--sandbox-url", url, cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot reach the sandbox" in result.stdout


def test_bad_setting_is_reported_with_its_name(tmp_path: Path) -> None:
    result = run_cli("demo", "--once", "--port", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert "setting port" in result.stderr

"""The crash and fault runs of ``bench/`` in small sizes: the scripts keep working and keep
reaching the exact expected state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_sweeps_under_429s_5xx_and_lost_answers_converge_without_duplicates(
    migrated_url: str,
) -> None:
    result = _run("fault_tolerance.py", "--records", "80", "--database-url", migrated_url)
    assert result["converged"] is True
    assert (result["duplicates"], result["mismatched_records"]) == (0, 0)
    assert result["employees_in_fortnox"] == 80
    faults = result["faults_injected"]
    assert isinstance(faults, dict)
    assert faults["429"] > 0
    assert faults["5xx"] > 0
    assert faults["drop_response"] > 0
    assert result["idle_requests_after"] == 0


def test_killed_workers_leave_exactly_the_expected_records() -> None:
    # SQLite only here (each kill is a process start); docs/benchmarks.md has both backends.
    result = _run("crash_recovery.py", "--records", "60", "--kills", "2")
    assert result["exact"] is True
    assert (result["kills"], result["duplicates"], result["missing"]) == (2, 0, 0)
    assert result["writes_still_in_flight"] == 0
    assert result["idle_sync_requests"] == 0


def test_an_idle_projects_sweep_reads_a_bounded_number_of_vouchers(migrated_url: str) -> None:
    result = _run("projects_idle_sweep.py", "--quick", "--database-url", migrated_url)
    # + one list each of the family's cost centre and account imports (base flows)
    assert (result["vouchers"], result["first_import_requests"]) == (300, 3 + 300 + 2)
    # the three series' lists and the default 20 imported vouchers re-checked, no write
    assert result["voucher_import_alone_requests"] == [23, 23, 23]
    assert result["idle_requests"] == [23 + 2, 23 + 2, 23 + 2]
    assert result["idle_write_requests"] == 0
    assert result["naive_requests"] == 3 + 300 + 2


def test_a_ledger_year_costs_one_export_and_nothing_more_when_unchanged(migrated_url: str) -> None:
    result = _run("ledger_year_import.py", "--quick", "--database-url", migrated_url)
    assert (result["vouchers"], result["rows"]) == (300, 1500)
    # the list of years and the export; then the export alone, unchanged
    assert (result["first_sync_requests"], result["unchanged_sync_requests"]) == (2, 1)
    assert result["unchanged_sync_status"] == "unchanged"
    # the vouchers listed (one page), each read, the chart listed
    assert result["per_voucher_requests"] == 1 + 300 + 1


def test_fortnox_changes_reach_the_host_s_event_feed_through_the_topics() -> None:
    # A standalone sandbox and the bridge as `serve` runs it (SQLite): see docs/benchmarks.md.
    result = _run("realtime_stream.py", "--quick")
    assert (result["tenants"], result["changes"]) == (30, 20)
    assert result["read"] == result["in_feed"] == 20
    assert result["bridge_requests"] == 20  # one read of each cost centre, nothing more
    latency = result["to_event_feed_ms"]
    assert isinstance(latency, dict)
    assert latency["p50"] <= 2000

"""The walkthrough of ``docs/api/ledger.md`` runs as written against a real bridge.

The test makes a store with one tenant and its ledger (``integration.ledger_data``'s example: two
years, five vouchers of 2025, a supplier invoice's PDF), starts ``fortnox-bridge serve`` on it
and runs every ``sh`` block of the guide's walkthrough with bash and the real ``curl``, in order,
comparing each answer with the one the guide shows (see ``test_api_walkthrough.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fortnox_bridge.config import Settings
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.documents import LocalDocumentFiles
from fortnox_bridge.store.tenants import TenantRepository
from integration.families import use_family
from integration.ledger_data import example_ledger

from .conftest import cli_env, free_port, start, wait_until_up
from .test_api_walkthrough import contains, steps

ROOT = Path(__file__).parents[2]
GUIDE = "docs/api/ledger.md"


def ledger_store(data_dir: Path) -> str:
    """A migrated store in ``data_dir`` with a tenant using the ledger family; its API key."""
    engine = open_engine(Settings(data_dir=data_dir).effective_database_url)
    migrate(engine)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Bokföring AB", now=now)
        key = tenants.issue_api_key(tenant, label="walkthrough", now=now, scope="read")
        use_family(session, tenant.id, "ledger")
        example_ledger(session, LocalDocumentFiles.in_data_dir(data_dir), tenant.id)
    engine.dispose()
    return key


def test_the_ledger_walkthrough_runs_as_written(tmp_path: Path, spawn: list[Any]) -> None:
    missing = [tool for tool in ("bash", "curl", "jq", "cmp") if shutil.which(tool) is None]
    assert not missing, f"the walkthrough needs {', '.join(missing)}: install it (apt-get install)"
    walkthrough = steps((ROOT / GUIDE).read_text(encoding="utf-8"))
    assert len(walkthrough) >= 7, f"{GUIDE} lost its steps"
    key = ledger_store(tmp_path / "var")
    port = free_port()
    server = start(spawn, "serve", "--data-dir", "var", "--port", str(port), cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    assert wait_until_up(f"{base}/healthz", server).status_code == 200
    state = tmp_path / "walkthrough.env"
    state.write_text(f"export BRIDGE={base}\nexport KEY={key}\n", encoding="utf-8")
    for step in walkthrough:
        script = f"set -euo pipefail\nsource {state}\n{step.script}\nexport -p > {state}\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        where = f"{GUIDE} line {step.line}:\n{step.script}"
        assert done.returncode == 0, f"{where}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        if step.expected is not None:
            answer = json.loads(done.stdout)
            assert contains(answer, step.expected), (
                f"{where}\nanswered:\n{json.dumps(answer, indent=2, ensure_ascii=False)}"
            )

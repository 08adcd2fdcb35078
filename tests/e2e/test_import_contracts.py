"""The import-linter contracts really fail when a layer imports upwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent), "COLUMNS": "300"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src" / "fortnox_bridge", tmp_path / "fortnox_bridge")
    return tmp_path


def test_contracts_hold_on_the_real_tree(package_copy: Path) -> None:
    result = _lint_imports(package_copy)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        (
            "fortnox/client.py",
            "import fortnox_bridge.engine.sync.runner",
            "fortnox/ and formats/ depend on nothing",
        ),
        ("store/links.py", "import fortnox_bridge.flows.hr.employee_push", "Layers"),
        ("web/app.py", "import fortnox_bridge.runtime.stack", "Layers"),
        ("sandbox/state.py", "import fortnox_bridge.store.models", "The sandbox may share"),
        ("engine/sync/runner.py", "import fortnox_bridge.sandbox.app", "Only the entry points"),
        # web and api are independent siblings above the services.
        ("web/pages/runs.py", "import fortnox_bridge.api.control", "Layers"),
        ("api/control.py", "import fortnox_bridge.web.render", "Layers"),
        ("services/runs.py", "import fortnox_bridge.api.schemas", "Layers"),
        # Flows import neither the services nor the front ends.
        ("flows/hr/absence_push.py", "import fortnox_bridge.services.runs", "Layers"),
        ("flows/payroll/registers.py", "import fortnox_bridge.api.schemas", "Layers"),
        ("flows/hr/absence_push.py", "import fortnox_bridge.web.render", "Layers"),
        # Flow families are independent; what both need lives in flows/common.
        (
            "flows/hr/absence_push.py",
            "import fortnox_bridge.flows.payroll.codes",
            "Flow families are independent of each other",
        ),
        (
            "flows/common/paxml_codes.py",
            "import fortnox_bridge.flows.hr.records",
            "flows/common imports no family",
        ),
        # The front ends reach the store (and SQL) only through the services.
        ("web/pages/runs.py", "import fortnox_bridge.store.runs", "The front ends reach the store"),
        ("api/operations.py", "import sqlalchemy", "The front ends reach the store"),
        ("api/webhooks.py", "from sqlalchemy import select", "The front ends reach the store"),
        # Flows are declarations: the engine reads the store for them.
        (
            "flows/hr/absence_push.py",
            "import fortnox_bridge.store.mirror",
            "Flows hold declarations",
        ),
        ("flows/payroll/salary_days.py", "from sqlalchemy.orm import Session", "Flows hold"),
        # The CLI gets its stack from runtime/ and does its work through the services.
        ("cli/work/status.py", "import fortnox_bridge.store.runs", "The CLI reaches the store"),
        ("cli/work/sync.py", "import fortnox_bridge.api.control", "The CLI reaches the store"),
        ("cli/work/tenants.py", "from sqlalchemy import select", "The CLI reaches the store"),
        ("cli/work/keys.py", "import fortnox_bridge.web.users", "The CLI reaches the store"),
        ("api/paxml.py", "from sqlalchemy.orm import Session", "The front ends reach the store"),
        # Generic pages learn about families from the services, not from flows/.
        (
            "web/pages/flows.py",
            "import fortnox_bridge.flows.payroll.codes",
            "The web UI knows no family internals",
        ),
    ],
)
def test_an_upward_import_breaks_a_contract(
    package_copy: Path, module: str, bad_import: str, contract: str
) -> None:
    target = package_copy / "fortnox_bridge" / module
    target.write_text(target.read_text() + f"\n{bad_import}  # noqa\n")
    result = _lint_imports(package_copy)
    assert result.returncode != 0
    # A broken contract with ignored imports ends "BROKEN (n ignored imports)".
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(line.startswith(contract) for line in broken), result.stdout

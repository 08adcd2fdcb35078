"""``fortnox-bridge tenants set`` and ``tenants add`` save a change whole or not at all: every
option and flow setting is checked before anything is written."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app

TENANT = "Bygg AB"


def _cli(data: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--data-dir", str(data)], env={"COLUMNS": "250"})


def _row(data: Path) -> str:
    listed = _cli(data, "tenants", "list")
    assert listed.exit_code == 0, listed.output
    return next(line for line in listed.output.splitlines() if TENANT in line)


def test_a_refused_flow_setting_leaves_the_tenant_as_it_was(tmp_path: Path) -> None:
    assert _cli(tmp_path, "tenants", "add", TENANT).exit_code == 0
    before = _row(tmp_path)
    refused = _cli(
        tmp_path,
        "tenants",
        "set",
        TENANT,
        "--policy",
        "fortnox_wins",
        "--interval",
        "15",
        "--enable",
        "hr.employee.pull",
        "--setting",
        "hr.employee.pull.import_unmatched=true",
        "--setting",
        "hr.employee.push.existing_in_fortnox=sometimes",
    )
    assert refused.exit_code == 2, refused.output
    assert "existing_in_fortnox" in refused.output
    assert "Saved." not in refused.output
    assert _row(tmp_path) == before  # no policy, interval or flow saved
    saved = _cli(
        tmp_path,
        "tenants",
        "set",
        TENANT,
        "--policy",
        "fortnox_wins",
        "--enable",
        "hr.employee.pull",
        "--setting",
        "hr.employee.pull.import_unmatched=true",
        "--setting",
        "hr.employee.push.existing_in_fortnox=adopt",
    )
    assert saved.exit_code == 0, saved.output
    assert "Flow settings saved." in saved.output
    after = _row(tmp_path)
    assert "fortnox_wins" in after
    assert "hr.employee.pull" in after


def test_a_refused_option_of_a_new_tenant_adds_nothing(tmp_path: Path) -> None:
    refused = _cli(tmp_path, "tenants", "add", TENANT, "--policy", "coin_toss")
    assert refused.exit_code == 2, refused.output
    listed = _cli(tmp_path, "tenants", "list")
    assert TENANT not in listed.output
    assert _cli(tmp_path, "tenants", "add", TENANT).exit_code == 0

"""Starting ``fortnox-bridge`` is cheap: listing and explaining commands loads none of the heavy
libraries (they load inside the command that needs them), and the help reads as typed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import cli_env, run_cli

#: Modules that only a command's work may load (web framework, database, sandbox, engine,
#: settings, HTTP client, templates, the commands' work in ``cli/work/``), never the help.
#: (pydantic itself is not among them: typer converts option values with it.)
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "pydantic_settings",
    "httpx",
    "jinja2",
    "rich.table",
    "fortnox_bridge.sandbox",
    "fortnox_bridge.engine",
    "fortnox_bridge.store",
    "fortnox_bridge.api",
    "fortnox_bridge.web",
    "fortnox_bridge.config",
    "fortnox_bridge.cli.work",
)

#: Runs the command in this interpreter and reports which of ``HEAVY`` it imported.
PROBE = """
import json, sys
from fortnox_bridge.cli.app import main
heavy = json.loads(sys.argv[2])
sys.argv = ["fortnox-bridge", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print("\\nLOADED " + json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _loaded(*args: str, cwd: Path) -> tuple[list[str], str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = result.stdout.rpartition("\nLOADED ")
    assert report[1], result.stdout + result.stderr
    return json.loads(report[2]), report[0] + result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("tenants", "--help"),
        ("serve", "--help"),
        ("sie", "--help"),
        ("paxml", "export", "--help"),
        ("hr", "first-sync", "decide", "--help"),
        ("keys", "list", "--help"),
        ("version",),
    ],
)
def test_help_loads_no_heavy_module(args: tuple[str, ...], tmp_path: Path) -> None:
    loaded, output = _loaded(*args, cwd=tmp_path)
    assert loaded == [], f"{' '.join(args)} imported {loaded}"
    assert "Usage:" in output or "." in output


def test_sie_info_loads_only_the_sie_reader(tmp_path: Path) -> None:
    sie = tmp_path / "small.se"
    sie.write_bytes(b'#FLAGGA 0\r\n#SIETYP 4\r\n#FNAMN "Litet AB"\r\n')
    loaded, output = _loaded("sie", "info", str(sie), cwd=tmp_path)
    assert loaded == ["fortnox_bridge.cli.work"]  # its own work module, and nothing heavy
    assert json.loads(output[output.index("{") : output.rindex("}") + 1])["company"] == "Litet AB"


def test_a_command_loads_what_it_needs(tmp_path: Path) -> None:
    loaded, _ = _loaded("status", "--data-dir", str(tmp_path / "none"), cwd=tmp_path)
    assert "pydantic_settings" in loaded  # the settings, read only once the command runs


def test_help_lists_every_command_and_shows_flags_as_flags(tmp_path: Path) -> None:
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0
    for command in ("serve", "sync", "status", "tenants", "sandbox", "sie", "paxml", "users"):
        assert f"  {command} " in top.stdout
    tenants = run_cli("tenants", "--help", cwd=tmp_path)
    assert "  list " in tenants.stdout
    demo = run_cli("demo", "--help", cwd=tmp_path)
    assert "<bool>" not in demo.stdout
    (once,) = [
        line.split() for line in demo.stdout.splitlines() if line.strip().startswith("--once")
    ]
    assert once[:2] == ["--once", "Run"]


def test_output_is_spelled_the_same_everywhere(tmp_path: Path) -> None:
    for command in (("sie", "convert"), ("sie", "write"), ("paxml", "export")):
        shown = run_cli(*command, "--help", cwd=tmp_path).stdout
        assert "-o, --output" in shown, command
        assert "--out " not in shown  # the old spelling still works, unlisted

"""Every command's expected failures end the same way: one ``error:`` line and exit code 2."""

from __future__ import annotations

import io

import pytest
import typer
from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK, CommandError, fail
from fortnox_bridge.cli.work.runtime import refuse, reported, run
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.sandbox.control_client import SandboxControlError


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, color_system=None), out


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (CommandError("port 8000 is taken"), "error: port 8000 is taken"),
        (EngineError("not connected"), "error: not connected"),
        (SandboxControlError("sandbox unreachable"), "error: sandbox unreachable"),
        (KeyError("Acme"), "error: no tenant 'Acme'; list them with 'fortnox-bridge tenants list'"),
    ],
)
def test_expected_failures_become_one_line_and_exit_2(error: Exception, shown: str) -> None:
    console, out = _console()
    with pytest.raises(typer.Exit) as exited, reported(console):
        raise error
    assert exited.value.exit_code == EXIT_FATAL
    assert out.getvalue().strip() == shown


def test_an_unexpected_failure_is_not_hidden() -> None:
    console, out = _console()
    with pytest.raises(ZeroDivisionError), reported(console):
        raise ZeroDivisionError
    assert out.getvalue() == ""


@pytest.mark.parametrize("code", [EXIT_OK, EXIT_ITEMS_FAILED, EXIT_FATAL])
def test_run_exits_with_the_work_s_code(code: int) -> None:
    console, _ = _console()

    async def work() -> int:
        return code

    with pytest.raises(typer.Exit) as exited:
        run(console, work)
    assert exited.value.exit_code == code


def test_run_reports_a_failure_of_the_work() -> None:
    console, out = _console()

    async def work() -> int:
        raise CommandError("no tenants yet")

    with pytest.raises(typer.Exit) as exited:
        run(console, work)
    assert exited.value.exit_code == EXIT_FATAL
    assert out.getvalue().strip() == "error: no tenants yet"


def test_refuse_and_fail_give_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    console, out = _console()
    assert refuse(console, "give --fortnox VALUE or --exclude").exit_code == EXIT_FATAL
    assert out.getvalue().strip() == "error: give --fortnox VALUE or --exclude"
    assert fail("x.se: no such file", "give the path of a file").exit_code == EXIT_FATAL
    assert capsys.readouterr().err == "error: x.se: no such file\nfix: give the path of a file\n"

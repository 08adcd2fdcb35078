"""``fortnox-bridge tenants``: list tenants; add one (with its API key); change its settings.

The work is in :mod:`.work.tenants`, imported when a command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, IgnoredSandboxUrl, new_app

tenants_app = new_app(
    "Tenants: list, add, set (settings, flows), map (values).",
    invoke_without_command=True,
    no_args_is_help=False,
)
Name = Annotated[str, typer.Argument(help="Tenant name or id.", show_default=False)]
Emails = Annotated[
    list[str] | None,
    typer.Option("--email", help="Who gets e-mail (repeatable; replaces).", show_default=False),
]
#: The engine's conflict policies (a test keeps this text equal to them).
POLICY_HELP = "Fields changed on both sides: bridge_wins, fortnox_wins or ask."
Policy = Annotated[str | None, typer.Option(help=POLICY_HELP, show_default=False)]
Interval = Annotated[
    int | None, typer.Option(min=1, max=1440, help="Minutes between sweeps.", show_default=False)
]
RetryHours = Annotated[
    int | None,
    typer.Option(
        "--refusal-retry-hours",
        min=1,
        max=720,
        help="Hours after which a write Fortnox refused is sent again although nothing changed.",
        show_default=False,
    ),
]
SweepFactor = Annotated[
    int | None,
    typer.Option(
        "--realtime-sweep-factor",
        min=1,
        max=48,
        help="While Fortnox's change events stream, sweep this many times less often "
        "(1: as often as ever).",
        show_default=False,
    ),
]
Digest = Annotated[
    str | None,
    typer.Option(help="Digest of open problems: per_run or daily.", show_default=False),
]
ProblemMail = Annotated[
    str | None,
    typer.Option(
        help="How failures are e-mailed: digest (new ones once, then the digest) or remind "
        "(after every run, each failure while it stands).",
        show_default=False,
    ),
]

Families = Annotated[
    list[str] | None,
    typer.Option(
        "--family",
        help="A flow family the tenant uses: hr, payroll, projects or ledger (repeatable; "
        "replaces). "
        "Only their flows run; their base flows always do.",
        show_default=False,
    ),
]


@tenants_app.callback()
def tenants(
    ctx: typer.Context, data_dir: DataDir = None, sandbox_url: IgnoredSandboxUrl = None
) -> None:
    """Tenants: without a subcommand, the same list as `tenants list`."""
    if ctx.invoked_subcommand is not None:
        return
    from fortnox_bridge.cli.work import tenants as tenants_work

    tenants_work.list_tenants(data_dir)


@tenants_app.command("list")
def list_tenants(data_dir: DataDir = None, sandbox_url: IgnoredSandboxUrl = None) -> None:
    """List the tenants with their connection, schedule, policy, flows and open problems."""
    from fortnox_bridge.cli.work import tenants as tenants_work

    tenants_work.list_tenants(data_dir)


@tenants_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The tenant's name (unique).", show_default=False)],
    email: Emails = None,
    policy: Policy = None,
    interval: Interval = None,
    digest: Digest = None,
    problem_mail: ProblemMail = None,
    family: Families = None,
    data_dir: DataDir = None,
    sandbox_url: IgnoredSandboxUrl = None,
) -> None:
    """Add a tenant and print its API key (shown once). Creates the store if there is none."""
    from fortnox_bridge.cli.work import tenants as tenants_work

    tenants_work.add(
        name, email, policy, interval, digest, data_dir, problem_mail=problem_mail, family=family
    )


@tenants_app.command("set")
def change(
    name: Name,
    email: Emails = None,
    policy: Policy = None,
    interval: Interval = None,
    digest: Digest = None,
    problem_mail: ProblemMail = None,
    family: Families = None,
    refusal_retry_hours: RetryHours = None,
    realtime_sweep_factor: SweepFactor = None,
    enable: Annotated[
        list[str] | None, typer.Option(help="Turn a flow on (repeatable).", show_default=False)
    ] = None,
    disable: Annotated[
        list[str] | None, typer.Option(help="Turn a flow off (repeatable).", show_default=False)
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option(
            help="A flow setting: FLOW.NAME=VALUE, e.g. "
            "hr.employee.pull.import_unmatched=true (repeatable).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
    sandbox_url: IgnoredSandboxUrl = None,
) -> None:
    """Change a tenant's recipients, conflict policy, sweep interval, digest, problem e-mails,
    flow families, the retry time of refused writes, how much less often to sweep while
    Fortnox's change events stream, or flows."""
    from fortnox_bridge.cli.work import tenants as tenants_work

    tenants_work.change(
        name,
        email,
        policy,
        interval,
        digest,
        enable,
        disable,
        setting,
        data_dir,
        problem_mail=problem_mail,
        family=family,
        refusal_retry_hours=refusal_retry_hours,
        realtime_sweep_factor=realtime_sweep_factor,
    )


@tenants_app.command("map")
def map_value(
    name: Name,
    kind: Annotated[
        str,
        typer.Option(
            help="What is mapped: absence_cause or paxml_code (what flows read).",
            show_default=False,
        ),
    ],
    local: Annotated[str, typer.Option(help="The host's value.", show_default=False)],
    fortnox: Annotated[
        str | None, typer.Option(help="The Fortnox value.", show_default=False)
    ] = None,
    exclude: Annotated[
        bool, typer.Option("--exclude", help="Never send records with this value.")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: IgnoredSandboxUrl = None,
) -> None:
    """Map a host value to a Fortnox value (a time code to a cause code, say), or exclude it."""
    from fortnox_bridge.cli.work import tenants as tenants_work

    tenants_work.map_value(name, kind, local, fortnox, exclude, data_dir)

"""The work of ``connect`` (declared in :mod:`fortnox_bridge.cli.connect`, which imports this
module only when it runs): the sandbox, a Fortnox authorization code or a service account; pause,
resume and revoke. Exit codes: see :mod:`fortnox_bridge.cli.errors`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.cli.work.output import print_checklist
from fortnox_bridge.cli.work.runtime import refuse, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.errors import EngineError, SharedCompanyError
from fortnox_bridge.engine.tenancy.connections import Disconnection
from fortnox_bridge.runtime.stack import SANDBOX_SCOPES, Stack, open_stack


def connect(
    tenant: str,
    code: str | None,
    *,
    pause: bool,
    resume: bool,
    disconnect: bool,
    confirm_shared_company: bool,
    service_account: tuple[bool, int | None] = (False, None),
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``fortnox-bridge connect``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    if service_account[1] is not None and not service_account[0]:
        raise refuse(console, "--fortnox-tenant-id goes with --client-credentials")
    run(
        console,
        lambda: _connect(
            config,
            console,
            tenant,
            code,
            pause,
            resume,
            disconnect,
            confirm_shared_company,
            service_account,
        ),
    )


async def _connect(
    config: Settings,
    console: Console,
    tenant: str,
    code: str | None,
    pause: bool,
    resume: bool,
    disconnect: bool,
    confirm_shared_company: bool = False,
    service: tuple[bool, int | None] = (False, None),
) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        if disconnect:
            return _disconnected(
                console, await stack.connections.disconnect(tenant_id, "by the CLI (disconnect)")
            )
        moves = {"paused": pause, "active": resume}
        for state, wanted in moves.items():
            if wanted:
                moved = await stack.connections.transition(
                    tenant_id, state, f"by the CLI ({state})"
                )
                console.print(f"Connection {moved.to_state if moved else state}.")
                return EXIT_OK
        if service[0]:
            done, moved = await _connect_service_account(
                stack, console, tenant_id, service[1], confirm_shared_company
            )
            if not done:
                return EXIT_FATAL
        elif stack.sandbox is not None:
            moved = await stack.connect_sandbox(tenant_id)
        else:
            moved = await _connect_fortnox(stack, console, tenant_id, code, confirm_shared_company)
            if moved is None and code is None:
                return EXIT_OK  # the consent URL was printed
        console.print(f"Connection active{' (was ' + moved.from_state + ')' if moved else ''}.")
        for proposal in moved.proposals if moved else []:
            console.print(
                f"  proposed re-sync: {proposal['flow']} {proposal['from']} to "
                f"{proposal['to']} — fortnox-bridge resync --tenant {tenant} --proposed"
            )
        checklist = await stack.service.check(tenant_id)
        print_checklist(console, checklist)
        return EXIT_OK if checklist.ok else EXIT_ITEMS_FAILED


def _disconnected(console: Console, done: Disconnection) -> int:
    """Say what disconnecting did; exit 1 when Fortnox did not confirm the revocation."""
    console.print("Connection revoked: nothing is synchronised until it is connected again.")
    if done.at_fortnox == "revoked":
        console.print("Fortnox revoked the bridge's refresh token.")
        return EXIT_OK
    if done.at_fortnox == "none":
        console.print("There was no refresh token to revoke at Fortnox.")
        return EXIT_OK
    console.print(
        f"[yellow]warning:[/] Fortnox did not confirm the revocation: {done.problem}. The bridge "
        "keeps the token unused; run this again to retry, or remove the integration in Fortnox."
    )
    return EXIT_ITEMS_FAILED


async def _connect_service_account(
    stack: Stack,
    console: Console,
    tenant_id: int,
    fortnox_tenant_id: int | None,
    shared: bool = False,
) -> tuple[bool, Any]:
    """Client credentials and the TenantId: the bridge's app, or in sandbox mode the sandbox's
    (for the sandbox company given, default the tenant's own)."""
    from fortnox_bridge.fortnox.errors import OAuthError

    app: dict[str, str | None] = {"client_id": None, "client_secret": None}
    if stack.sandbox is not None:
        company = fortnox_tenant_id or await stack.sandbox_company(tenant_id)
        # The sandbox's app, and its consent for the company (any consent of the app counts
        # for a service account in the sandbox, as in Fortnox).
        issued = await stack.sandbox.control.issue_tokens(company, SANDBOX_SCOPES)
        app = {"client_id": issued["client_id"], "client_secret": issued["client_secret"]}
        fortnox_tenant_id = company
    if fortnox_tenant_id is None:
        refuse(console, "--client-credentials needs --fortnox-tenant-id N")
        return False, None
    try:
        moved = await stack.service.connect_service_account(
            tenant_id, fortnox_tenant_id, confirm_shared_company=shared, **app
        )
    except OAuthError as exc:
        refuse(
            console,
            f"Fortnox refused the service account of tenant {fortnox_tenant_id}: "
            f"{exc.error} ({exc.description}). The company's administrator approves the app as a "
            "service account once (the consent page with account_type=service), and the "
            "TenantId must be that company's.",
        )
        return False, None
    console.print(f"Connected as a service account of Fortnox tenant {fortnox_tenant_id}.")
    return True, moved


async def _connect_fortnox(
    stack: Stack, console: Console, tenant_id: int, code: str | None, shared: bool
) -> Any:
    from fortnox_bridge.fortnox.oauth import OAuthApp

    config = stack.settings
    secret = config.fortnox_client_secret.get_secret_value() if config.fortnox_client_secret else ""
    app = OAuthApp(
        str(config.fortnox_client_id),
        secret,
        redirect_uri=config.fortnox_redirect_uri,
        auth_url=config.fortnox_auth_url,
    )
    try:
        if code is None:
            scopes = list(stack.services.flow_config.consent_scopes(tenant_id))
            url = app.authorize_url(scopes, state=f"tenant-{tenant_id}")
            await stack.connections.transition(tenant_id, "pending_auth", "consent requested")
            console.print("Send the Fortnox administrator to this page to approve the bridge:")
            console.print(url, soft_wrap=True)
            console.print("Then run: fortnox-bridge connect --tenant <name> --code <code>")
            return None
        tokens = await app.exchange_code(code)
        try:
            return await stack.connections.connect(
                tenant_id, tokens, client_id=app.client_id, confirm_shared_company=shared
            )
        except SharedCompanyError as exc:
            if tokens.refresh_token:  # the approval is not used: leave no live token behind
                await app.revoke(tokens.refresh_token)
            raise EngineError(
                f"{exc}. Nothing was connected and the approval was withdrawn; if both tenants "
                "should use that company, ask for a new approval and run connect --code <code> "
                "--confirm-shared-company"
            ) from None
    finally:
        await app.aclose()

"""``projects.account.pull``: Fortnox's chart of accounts → the bridge (``/3/accounts``).

Fortnox owns the chart of accounts. Once a tenant turns the flow on, every sweep reads the chart
of the current financial year (one request per 500 accounts; Fortnox answers for the current
year when none is named) and stores the accounts the bridge does not have yet. Only accounts
from 3000 up are taken (by default 3000–9999; a tenant may narrow the range): the balance-sheet
accounts of classes 1 and 2 are never imported. An account is imported once: renamed in Fortnox
later, it keeps the name the bridge first stored; one deleted in Fortnox is deleted. Each change
is announced on the event feed (``record.created`` or ``record.deleted`` of entity ``account``,
keyed by the account number).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import Flow, FlowSettings
from fortnox_bridge.flows.projects.records import HostAccount

#: Fortnox account field → the bridge's field.
FIELDS = {"number": "number", "description": "name"}
#: The lowest account number the import takes: classes 1 and 2 (assets, equity and
#: liabilities) stay out of the bridge.
LOWEST = 3000


class AccountImportSettings(FlowSettings):
    """Settings of ``projects.account.pull``."""

    first_account: int = Field(
        default=LOWEST,
        ge=LOWEST,
        le=9999,
        title="First account imported",
        description="The lowest account number imported (3000 or higher: accounts of classes "
        "1 and 2 are never imported).",
    )
    last_account: int = Field(
        default=9999,
        ge=LOWEST,
        le=9999,
        title="Last account imported",
        description="The highest account number imported.",
    )


class AccountImport(Flow):
    """Imports the new accounts of Fortnox's chart of accounts, keyed by their number."""

    name: ClassVar[str] = "projects.account.pull"
    entity: ClassVar[str] = "account"
    resource: ClassVar[str] = "accounts"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "number"
    record_model: ClassVar[type[BaseModel]] = HostAccount
    Settings: ClassVar[type[FlowSettings]] = AccountImportSettings
    # A register Fortnox owns: read before the exports of the sweep.
    order: ClassVar[int] = 115
    # Off until a tenant turns it on: a read costs a request every sweep, and tenants of other
    # families do not need the chart of accounts.
    #: A base flow: runs for every tenant of the projects family.
    base: ClassVar[bool] = True
    pull_fields: ClassVar[frozenset[str]] = frozenset(FIELDS)
    # The bridge keeps an account's first name: a rename in Fortnox is not imported.
    import_updates: ClassVar[bool] = False

    def imports(self, fortnox_id: str, fields: Mapping[str, Any]) -> bool:
        """Only accounts in the tenant's range, never one below 3000."""
        settings = self.settings
        assert isinstance(settings, AccountImportSettings)
        try:
            number = int(fortnox_id)
        except ValueError:
            return False
        return max(settings.first_account, LOWEST) <= number <= settings.last_account

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox account fields → the bridge's account fields."""
        return {FIELDS[name]: value for name, value in fields.items() if name in FIELDS}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``account 3001 (Försäljning)``."""
        name = (record or {}).get("name")
        return f"account {external_id} ({name})" if name else f"account {external_id}"

"""``/3/accountcharts``: the charts of accounts (``BAS 2024``, ...) a financial year can use."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.account_chart import AccountChart
from fortnox_bridge.fortnox.resources.base import Resource, describe


class AccountChartResource(Resource[AccountChart, AccountChart]):
    """List the account charts (the only operation Fortnox offers)."""

    description = describe("account_chart")
    model = AccountChart
    list_model = AccountChart

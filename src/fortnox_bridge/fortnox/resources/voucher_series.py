"""``/3/voucherseries``: voucher series by ``Code``; no DELETE (``NextVoucherNumber`` read-only)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.voucher_series import VoucherSeries, VoucherSeriesListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class VoucherSeriesResource(Resource[VoucherSeries, VoucherSeriesListItem]):
    """Voucher series operations."""

    description = describe("voucher_series")
    model = VoucherSeries
    list_model = VoucherSeriesListItem

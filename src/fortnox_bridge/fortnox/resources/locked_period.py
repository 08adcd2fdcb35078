"""``/3/settings/lockedperiod``: nothing on or before ``EndDate`` can be written."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.locked_period import LockedPeriod
from fortnox_bridge.fortnox.resources.base import Singleton, describe


class LockedPeriodResource(Singleton[LockedPeriod]):
    """Read the locked period."""

    description = describe("locked_period")
    model = LockedPeriod

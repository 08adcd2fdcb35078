"""``/3/me``: the user behind the access token."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.me import Me
from fortnox_bridge.fortnox.resources.base import Singleton, describe


class MeResource(Singleton[Me]):
    """Read the me."""

    description = describe("me")
    model = Me

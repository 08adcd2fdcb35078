"""The REST API host applications use to push their records and read what the bridge knows."""

from __future__ import annotations

from fortnox_bridge.api.app import create_app

__all__ = ["create_app"]

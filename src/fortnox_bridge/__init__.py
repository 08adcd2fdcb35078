"""fortnox-bridge: keeps business applications in sync with Fortnox."""

from __future__ import annotations

__version__ = "0.1.0"

"""A stateful local Fortnox: the same HTTP API, OAuth and rules, with a control API.

Use it in-process (``httpx.ASGITransport(app=create_app(SandboxState()))``) or standalone
(``fortnox-bridge sandbox --port 8100``). See ``docs/sandbox.md``.
"""

from __future__ import annotations

from fortnox_bridge.sandbox.app import create_app
from fortnox_bridge.sandbox.state import SandboxState

__all__ = ["SandboxState", "create_app"]

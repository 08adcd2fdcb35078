"""What the service family's register settings say about a flow's direction (pure)."""

from __future__ import annotations

from typing import Any

#: Settings values that send host records to Fortnox / read Fortnox's back.
TO_FORTNOX = frozenset({"both", "to_fortnox"})
FROM_FORTNOX = frozenset({"both", "from_fortnox"})


def paused(settings: Any, register: str, direction: str) -> str | None:
    """Why a flow of ``register`` (``customers``, ``articles``) going ``direction`` (``push``
    or ``pull``) does nothing under ``settings``, or ``None`` when it runs."""
    chosen = str(getattr(settings, register, "both"))
    wanted = TO_FORTNOX if direction == "push" else FROM_FORTNOX
    if chosen in wanted:
        return None
    return f"the setting {register} is {chosen!r}"

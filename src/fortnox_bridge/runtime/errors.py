"""The error raised when the bridge cannot be put together from its settings."""

from __future__ import annotations


class SetupError(Exception):
    """The stack cannot be built (a bad setting, an unusable state file, a queue that does not
    answer); the message says why and what to do."""

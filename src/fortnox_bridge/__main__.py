"""``python -m fortnox_bridge`` runs the CLI."""

from __future__ import annotations

from fortnox_bridge.cli.app import main

main()

"""``fortnox-bridge sie ...`` and ``fortnox-bridge paxml ...``: file tools over ``formats/``."""

from __future__ import annotations

import typer

sie_app = typer.Typer(help="SIE 4 files: info, validate, convert, write.", no_args_is_help=True)
paxml_app = typer.Typer(help="PAXml 2.0 files: info, validate.", no_args_is_help=True)

"""Render the terminal output of ``fortnox-bridge demo --once`` as an SVG for the README.

    python scripts/screenshot_demo.py docs/screenshots/demo-once.svg

Runs the real demo (in a temporary data directory) with a recording console.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from fortnox_bridge.cli.work.demo import Demo
from fortnox_bridge.config import Settings


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/demo-once.svg")
    target = target.resolve()
    # Not a terminal: the progress bar is drawn once, finished, instead of frame by frame.
    console = Console(record=True, width=92, force_terminal=False, color_system="truecolor")
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # paths print as ./var/..., as after `make demo`
        settings = Settings(data_dir=Path("var"))
        console.print("[bold]$ make demo ARGS=--once[/]")
        asyncio.run(Demo(settings, console).run())
        console.print("\n[bold]$ make demo ARGS=--once[/]   [dim]# again: nothing changed[/]")
        asyncio.run(Demo(settings, console).run())
        password = json.loads(Path("var/demo.json").read_text())["admin_password"]
    text = console.export_svg(title="fortnox-bridge demo")
    # ... and the admin UI's password (the SVG writes spaces as &#160;, which it never holds).
    text = text.replace(password, "•" * len(password))
    # The demo prints a fresh API key; mask it with as many characters, so the layout stays.
    text = re.sub(r"fbk_([A-Za-z0-9_\-]+)", lambda m: "fbk_" + "•" * len(m.group(1)), text)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

"""Loaded by pytest before the tests' own conftest: keep compiled bytecode between runs.

Where ``PYTHONDONTWRITEBYTECODE`` is set (as on the shared development machine), every test
process and every command a test starts compiled the whole package and pytest rewrote every
test module again: about 9 s of CPU per test process, and a fraction of a second per command
started. The bytecode goes to a cache directory outside the repository instead (Python's
``pycache_prefix``), for this process and the processes it starts; the tree stays clean.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_PREFIX = str(Path(tempfile.gettempdir()) / "fortnox-bridge-pycache")
sys.dont_write_bytecode = False
sys.pycache_prefix = _PREFIX
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ["PYTHONPYCACHEPREFIX"] = _PREFIX

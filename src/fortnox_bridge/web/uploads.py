"""Uploaded files waiting for a confirmation: a SIE file that would replace a year synced from
Fortnox is kept until the admin confirms (or goes back), so the second step need not send it
again.

Each waits as a private file (mode 0600) under ``<data_dir>/uploads/``, named by a random
token that the confirmation form carries, with who may take it (the tenant) beside it. Taking
it removes it; files older than :data:`KEPT` are removed whenever another one is kept.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fortnox_bridge.files import FILE_MODE, private_dir

#: The folder of the data directory the waiting files are kept in.
UPLOADS_DIR = "uploads"
#: How long an upload waits for its confirmation, in seconds.
KEPT = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Pending:
    """A file waiting for a confirmation."""

    tenant_id: int
    year: str
    name: str
    content: bytes


class PendingUploads:
    """The waiting files of one data directory (see the module)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / UPLOADS_DIR

    def keep(self, pending: Pending) -> str:
        """Keep ``pending``; the token that takes it back."""
        self._forget_old()
        private_dir(self.root)
        token = secrets.token_urlsafe(24)
        about = {"tenant_id": pending.tenant_id, "year": pending.year, "name": pending.name}
        for suffix, data in ((".json", json.dumps(about).encode()), (".bin", pending.content)):
            fd = os.open(self.root / f"{token}{suffix}", os.O_WRONLY | os.O_CREAT, FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        return token

    def take(self, token: str, tenant_id: int) -> Pending | None:
        """The file ``token`` names, removed from the waiting ones; ``None`` when there is none
        for ``tenant_id`` (never kept, taken already, expired, or another tenant's)."""
        if not _TOKEN.match(token):
            return None
        about_path, content_path = self.root / f"{token}.json", self.root / f"{token}.bin"
        try:
            about = json.loads(about_path.read_text(encoding="utf-8"))
            content = content_path.read_bytes()
        except (OSError, ValueError):
            return None
        if about.get("tenant_id") != tenant_id:
            return None
        about_path.unlink(missing_ok=True)
        content_path.unlink(missing_ok=True)
        return Pending(tenant_id, str(about["year"]), str(about["name"]), content)

    def _forget_old(self) -> None:
        if not self.root.is_dir():
            return
        oldest = time.time() - KEPT
        for path in self.root.iterdir():
            try:
                if path.stat().st_mtime < oldest:
                    path.unlink(missing_ok=True)
            except OSError:
                continue

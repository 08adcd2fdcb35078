"""The default document store: content-addressed files under the data directory, only the
bridge's user may read them, the same bytes kept once."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from fortnox_bridge.store.documents import LocalDocumentFiles


def test_bytes_are_kept_once_by_their_sha256(tmp_path: Path) -> None:
    files = LocalDocumentFiles.in_data_dir(tmp_path)
    content = b"%PDF-1.4\n%%EOF\n"
    digest = files.put(content)
    assert digest == hashlib.sha256(content).hexdigest()
    path = tmp_path / "documents" / digest[:2] / digest
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert files.put(content) == digest  # again: nothing changes
    assert [p.name for p in (tmp_path / "documents").rglob("*") if p.is_file()] == [digest]
    assert files.get(digest) == content


def test_an_unknown_or_malformed_digest(tmp_path: Path) -> None:
    files = LocalDocumentFiles.in_data_dir(tmp_path)
    assert files.get("0" * 64) is None
    with pytest.raises(ValueError, match="SHA-256"):
        files.get("../secret.key")

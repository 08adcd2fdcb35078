"""Files and directories only the bridge's own user may read: the data directory (0700), the
SQLite stores, the secret key and the sandbox's state (0600).

Modes are set when a file or directory is made here, whatever the process's umask allows; a file
that exists with a looser mode (made by an older version) is tightened to it. SQLite makes its
``-wal`` and ``-shm`` files with the mode of the database file, so those follow.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

#: Directories the bridge makes for its data.
DIR_MODE = 0o700
#: Files that hold data, keys or tokens.
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a directory; made with mode 0700 if it does not exist (missing parents too)."""
    missing = [parent for parent in (path, *path.parents) if not parent.exists()]
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for made in missing:
        with contextlib.suppress(OSError):  # made meanwhile by another user: leave it
            os.chmod(made, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner may read and write: made empty with mode 0600 if it
    does not exist; an existing one loses every permission of group and others."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
        os.chmod(path, FILE_MODE)  # the umask cannot widen it, but may have narrowed it
    return path


def private_sqlite(path: Path) -> Path:
    """A SQLite database file (and the directory it is in) for its owner only; the ``-wal``,
    ``-shm`` and ``-journal`` files an older version left readable by others are tightened."""
    private_file(private_dir(path.parent) / path.name)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))
    return path


def tighten(path: Path) -> None:
    """Take every permission of group and others from an existing file (if it is ours)."""
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & ~0o077)

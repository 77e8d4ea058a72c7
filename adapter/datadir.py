"""The data folder on disk: private files, and what to say when it cannot be written.

The ledger and ``settings.toml`` hold order data, secrets and password
hashes, so they are created readable by their owner only (on Windows the
folder's ACL decides; the mode bits are what POSIX systems use).
A read-only folder or a full disk is the user's to fix, so the command line
says so in Czech and exits with 2 instead of showing a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

import peewee

P = ParamSpec("P")

PRIVATE_MODE = 0o600

#: errno values that mean "this folder cannot be written"
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def private_file(path: Path) -> None:
    """Create ``path`` empty with owner-only access if it does not exist yet (SQLite then keeps the mode)."""
    if path.exists():
        return
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        os.close(fd)
    with contextlib.suppress(OSError):  # e.g. a FAT drive
        os.chmod(path, PRIVATE_MODE)


def storage_problem(exc: BaseException) -> str | None:
    """A Czech explanation when ``exc`` means the data folder is read-only or the disk is full, else None."""
    if isinstance(exc, OSError):
        if exc.errno in _FULL:
            return _full_message(exc.filename)
        if exc.errno in _NOT_WRITABLE:
            return _readonly_message(exc.filename)
        return None
    if isinstance(exc, sqlite3.OperationalError | peewee.OperationalError):
        text = str(exc).lower()
        if "disk is full" in text or "database or disk is full" in text:
            return _full_message(None)
        if "readonly" in text or "read-only" in text or "unable to open database" in text:
            return _readonly_message(None)
    return None


def _readonly_message(where: object) -> str:
    place = f" ({where})" if where else ""
    return (f"Do datové složky nelze zapisovat{place}. Zkontrolujte, že složka existuje, není jen pro čtení "
            "a že k ní má uživatel, pod kterým adaptér běží, právo zápisu; nebo zvolte jinou složku volbou --data.")


def _full_message(where: object) -> str:
    place = f" ({where})" if where else ""
    return f"Disk s datovou složkou je plný{place}. Uvolněte místo na disku a spusťte adaptér znovu."


def storage_errors_exit(command: Callable[P, int]) -> Callable[P, int]:
    """Wrap a command-line entry point: a read-only data folder or a full disk → Czech message, exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            problem = storage_problem(exc)
            if problem is None:
                raise
            print(problem, file=sys.stderr)
            return 2

    return wrapper

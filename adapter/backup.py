"""Ledger backup: a daily copy of the SQLite ledger and a check at start that it is intact.

The copy uses SQLite's online backup API (``sqlite3.Connection.backup``), so it
is consistent even while jobs write. Copies are ``<data>/backups/ledger-YYYYMMDD-HHMMSS.db``;
only the newest ``[backup] keep`` are kept. Restoring is described in the README:
stop the adapter, replace ``ledger.db`` with a copy, delete ``ledger.db-wal`` and
``ledger.db-shm``, start it again.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapter.errors import AdapterError

log = logging.getLogger(__name__)

LEDGER_FILE = "ledger.db"
BACKUP_DIR = "backups"
BACKUP_EVERY = timedelta(hours=24)
_NAME = re.compile(r"^ledger-(\d{8}-\d{6})\.db$")


@dataclass(frozen=True, slots=True)
class BackupSettings:
    """``[backup]``: the daily copy of the ledger."""

    enabled: bool = True
    keep: int = 7  #: how many daily copies are kept (older ones are deleted)


FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("backup", "enabled"): ("Denní záloha evidence", "Jednou denně zkopírovat evidenci přenosů (ledger.db) do složky backups."),
    ("backup", "keep"): ("Počet záloh", "Kolik posledních denních záloh ponechat; starší se mažou."),
}


class LedgerCorrupt(AdapterError):
    """Evidence přenosů (ledger.db) je poškozená."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One copy in the backups folder."""

    path: Path
    taken_at: datetime
    size: int


def backup_dir(data_dir: Path) -> Path:
    """Where the copies live."""
    return data_dir / BACKUP_DIR


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """The copies, newest first."""
    folder = backup_dir(data_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append(BackupInfo(path, taken, path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def latest_backup(data_dir: Path) -> BackupInfo | None:
    """The newest copy, if any."""
    backups = list_backups(data_dir)
    return backups[0] if backups else None


def backup_ledger(data_dir: Path, *, keep: int = 7, now: datetime | None = None) -> Path:
    """Copy ``ledger.db`` with the online backup API and delete copies beyond ``keep``; returns the copy."""
    now = now or datetime.now(UTC)
    source = data_dir / LEDGER_FILE
    if not source.exists():
        raise AdapterError(f"Evidence přenosů {source} neexistuje, není co zálohovat.")
    folder = backup_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"ledger-{now.astimezone(UTC):%Y%m%d-%H%M%S}.db"
    partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.part")  # two checkers at once
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for old in list_backups(data_dir)[max(1, keep):]:
        old.path.unlink(missing_ok=True)
    log.info("ledger backed up to %s", target)
    return target


def backup_if_due(data_dir: Path, *, keep: int = 7, now: datetime | None = None) -> Path | None:
    """Back up when the newest copy is older than a day (or there is none); returns the new copy."""
    now = now or datetime.now(UTC)
    last = latest_backup(data_dir)
    if last is not None and now - last.taken_at < BACKUP_EVERY:
        return None
    if not (data_dir / LEDGER_FILE).exists():
        return None
    return backup_ledger(data_dir, keep=keep, now=now)


def integrity_problems(path: Path, *, full: bool = False) -> list[str]:
    """``PRAGMA quick_check`` (or ``integrity_check``) of a SQLite file; [] when it is intact or absent."""
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    problems = [str(r[0]) for r in rows]
    return [] if problems == ["ok"] else problems


def check_ledger_at_start(data_dir: Path) -> None:
    """Raise :class:`LedgerCorrupt` with what to do when ``ledger.db`` is damaged."""
    path = data_dir / LEDGER_FILE
    problems = integrity_problems(path)
    if not problems:
        return
    last = latest_backup(data_dir)
    restore = (
        f"Obnovte poslední zálohu: ukončete adaptér, nahraďte soubor {path} kopií {last.path} "
        f"(z {last.taken_at.astimezone():%d. %m. %Y %H:%M}), smažte {path.name}-wal a {path.name}-shm a spusťte adaptér znovu."
        if last else
        f"Záloha ve složce {backup_dir(data_dir)} není. Soubor {path} nemažte a kontaktujte podporu: "
        "s prázdnou evidencí by adaptér mohl přenést už přenesené doklady znovu."
    )
    raise LedgerCorrupt(f"Evidence přenosů {path} je poškozená a adaptér ji nepoužije. {restore} "
                        "Postup je popsán v README v části Záloha a obnovení evidence.",
                        detail="; ".join(problems[:5]))

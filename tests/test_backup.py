"""Ledger backup (online backup API, kept count), restore, and the integrity check at start."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import app as app_module
from adapter import backup, ledger
from adapter.config import Settings

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    ledger.init_db(folder / "ledger.db")
    with ledger.database.connection_context():
        run, _created = ledger.start_run("orders", "cli")
        ledger.finish_run(run.id, "ok", "hotovo")
    yield folder
    ledger.database.close()


def test_backup_is_a_consistent_copy_and_keeps_only_the_newest(data: Path) -> None:
    for day in range(5):
        backup.backup_ledger(data, keep=3, now=T0 + timedelta(days=day))
    kept = backup.list_backups(data)
    assert [b.taken_at for b in kept] == [T0 + timedelta(days=d) for d in (4, 3, 2)]
    assert not list(backup.backup_dir(data).glob("*.part"))
    with sqlite3.connect(kept[0].path) as conn:
        assert conn.execute("SELECT agenda, status FROM run").fetchall() == [("orders", "ok")]
    assert backup.integrity_problems(kept[0].path) == []


def test_backup_if_due_once_a_day(data: Path) -> None:
    assert backup.backup_if_due(data, now=T0) is not None
    assert backup.backup_if_due(data, now=T0 + timedelta(hours=23)) is None
    assert backup.backup_if_due(data, now=T0 + timedelta(hours=24)) is not None
    assert len(backup.list_backups(data)) == 2


def test_backup_while_a_writer_holds_a_transaction(data: Path) -> None:
    writer = sqlite3.connect(data / "ledger.db")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO checkpoint (agenda, cursor, extra, updated_at) VALUES ('x', '', '{}', '')")
    copy = backup.backup_ledger(data, now=T0)
    writer.rollback()
    writer.close()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM checkpoint").fetchone() == (0,)


def corrupt(path: Path) -> None:
    ledger.database.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    raw = bytearray(path.read_bytes())
    page = 4096
    assert len(raw) > 3 * page
    for start in range(page, len(raw), page):  # every b-tree page header after the first page
        raw[start : start + 12] = b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    path.write_bytes(bytes(raw))


def test_damaged_ledger_is_refused_at_start_with_the_restore_steps_and_restore_works(data: Path, capsys) -> None:
    copy = backup.backup_ledger(data, now=T0)
    path = data / "ledger.db"
    corrupt(path)
    assert backup.integrity_problems(path)
    with pytest.raises(backup.LedgerCorrupt) as info:
        backup.check_ledger_at_start(data)
    assert str(copy) in info.value.message and "README" in info.value.message
    with pytest.raises(backup.LedgerCorrupt):
        app_module.create_app(Settings(data_dir=data))
    assert app_module.main(["check", "--data", str(data)]) == 2
    assert "je poškozená" in capsys.readouterr().out
    # restore as the README says: replace the file, drop -wal/-shm, start again
    path.write_bytes(copy.read_bytes())
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    backup.check_ledger_at_start(data)
    app_module.create_app(Settings(data_dir=data))
    with ledger.database.connection_context():
        assert ledger.last_ok_run("orders") is not None


def test_damaged_ledger_without_backup_says_not_to_delete_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 2000)
    with pytest.raises(backup.LedgerCorrupt, match="nemažte"):
        backup.check_ledger_at_start(tmp_path)


def test_app_start_backs_up_the_ledger(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    app_module.create_app(Settings(data_dir=data))
    assert len(backup.list_backups(data)) == 1
    app_module.create_app(Settings(data_dir=data))
    assert len(backup.list_backups(data)) == 1  # once a day

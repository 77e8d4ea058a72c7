"""Ledger: migrations, upserts, checkpoints, one running run per agenda."""

from __future__ import annotations

import sqlite3

import pytest
from peewee import IntegrityError

from adapter import ledger


@pytest.fixture
def db(tmp_path):
    ledger.init_db(tmp_path / "ledger.db")
    yield tmp_path / "ledger.db"
    ledger.database.close()


def test_migrations_set_user_version_and_are_idempotent(db):
    assert ledger.schema_version() == len(ledger.MIGRATIONS)
    ledger.init_db(db)  # reopening an existing ledger migrates nothing twice
    assert ledger.schema_version() == len(ledger.MIGRATIONS)
    tables = {r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")}
    assert {"run", "entry", "run_event", "checkpoint", "pairing", "user", "token"} <= tables
    assert sqlite3.connect(db).execute("pragma journal_mode").fetchone()[0] == "wal"


def test_entry_upsert_is_unique_per_agenda_and_key(db):
    ledger.save_entry("orders", "15", state="sending", label="Objednávka 15", warnings=["zkráceno"])
    ledger.save_entry("orders", "15", state="ok", pohoda_number="26OP00001", pohoda_id=7)
    ledger.save_entry("invoices", "15", state="pending")
    entry = ledger.get_entry("orders", "15")
    assert (entry.state, entry.pohoda_number, entry.pohoda_id) == ("ok", "26OP00001", 7)
    assert entry.warnings_list() == ["zkráceno"]
    assert ledger.Entry.select().count() == 2
    with pytest.raises(IntegrityError):
        ledger.Entry.create(agenda="orders", key="15", created_at=ledger.utcnow(), updated_at=ledger.utcnow())


def test_bulk_upsert_and_counts(db):
    ledger.save_entries("stock", [{"key": f"S{i}", "state": "ok", "payload_hash": "a"} for i in range(450)])
    ledger.save_entries("stock", [{"key": "S1", "state": "error", "payload_hash": "b"}])
    assert ledger.count_entries("stock") == {"ok": 449, "error": 1}
    assert ledger.entries_for("stock", ["S1", "S2", "nope"])["S1"].payload_hash == "b"
    assert ledger.set_state("stock", ["S2", "S3"], "pending") == 2


def test_checkpoint_upsert(db):
    assert ledger.get_checkpoint("stock") is None
    ledger.set_checkpoint("stock", "2026-11-29T10:00:00", {"page": 3})
    ledger.set_checkpoint("stock", "2026-11-29T11:00:00")
    cp = ledger.get_checkpoint("stock")
    assert cp.cursor == "2026-11-29T11:00:00"
    assert cp.extra_dict() == {"page": 3}
    ledger.clear_checkpoint("stock")
    assert ledger.get_checkpoint("stock") is None


def test_partial_index_allows_one_running_run_per_agenda(db):
    run, created = ledger.start_run("orders", "button")
    assert created
    with pytest.raises(IntegrityError):
        ledger.Run.create(agenda="orders", status="running", started_at=ledger.utcnow())
    ledger.finish_run(run.id, "ok")
    assert ledger.start_run("orders", "cli")[1]
    with pytest.raises(ValueError, match="final run state"):
        ledger.finish_run(run.id, "running")


def test_bulk_upsert_with_a_foreign_key_field(db):
    run, _ = ledger.start_run("customers", "button")
    ledger.save_entries("customers_out", [{"key": "7", "state": "ok", "run": run.id}])
    ledger.save_entries("customers_out", [{"key": "7", "state": "error", "run": run.id}])
    entry = ledger.get_entry("customers_out", "7")
    assert (entry.state, entry.run_id) == ("error", run.id)


def test_upgrade_in_place_from_version_1(tmp_path):
    """A ledger created by the first release (user_version 1, no session_gen) upgrades on open."""
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        'CREATE TABLE "user" (id INTEGER PRIMARY KEY, username VARCHAR(255) NOT NULL UNIQUE, '
        "password_hash VARCHAR(255) NOT NULL, role VARCHAR(255) NOT NULL, active INTEGER NOT NULL, "
        "created_at TEXT NOT NULL, last_login_at TEXT);"
        'INSERT INTO "user" (username, password_hash, role, active, created_at) '
        "VALUES ('jana', 'x', 'admin', 1, '2026-01-01T00:00:00+00:00');"
        "PRAGMA user_version = 1;"
    )
    old.close()
    ledger.init_db(path)
    try:
        assert ledger.schema_version() == len(ledger.MIGRATIONS)
        assert ledger.User.get(ledger.User.username == "jana").session_gen == 0
    finally:
        ledger.database.close()

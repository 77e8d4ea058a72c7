"""Opening the ledger and upgrading its schema in place.

Schema changes are migrations numbered by SQLite's ``user_version``, so an
installed copy upgrades in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from peewee import IntegerField, SqliteDatabase

from adapter.datadir import private_file
from adapter.ledger.models import MODELS, POHODA_LIST_MODELS, database


def _m1_initial(db: SqliteDatabase) -> None:
    db.create_tables(MODELS, safe=True)
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS run_one_running_per_agenda ON run (agenda) WHERE status = 'running'"
    )


def _m2_user_session_gen(db: SqliteDatabase) -> None:
    columns = {c.name for c in db.get_columns("user")}
    if "session_gen" not in columns:  # a fresh m1 already created it from the model
        from playhouse.migrate import SqliteMigrator
        from playhouse.migrate import migrate as run_migration

        run_migration(SqliteMigrator(db).add_column("user", "session_gen", IntegerField(default=0)))


def _m3_alerts(db: SqliteDatabase) -> None:
    from adapter.ledger.alerts import create_tables

    create_tables(db)


#: migration n (1-based) brings the schema from user_version n-1 to n
def _m4_currency_rates(db: SqliteDatabase) -> None:
    from adapter.ledger.rates import create_table

    create_table(db)


def _m5_pohoda_lists(db: SqliteDatabase) -> None:
    """POHODA's formy úhrady and členění DPH (before: ``pohoda_values.json``, imported on first read)."""
    db.create_tables(POHODA_LIST_MODELS, safe=True)


MIGRATIONS: tuple[Callable[[SqliteDatabase], None], ...] = (
    _m1_initial, _m2_user_session_gen, _m3_alerts, _m4_currency_rates, _m5_pohoda_lists
)


def schema_version(db: SqliteDatabase = database) -> int:
    """SQLite's ``user_version``: how many migrations have been applied."""
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def migrate(db: SqliteDatabase = database) -> int:
    """Apply every migration not yet applied; returns the new version."""
    with db.atomic("EXCLUSIVE"):
        current = schema_version(db)
        for number, step in enumerate(MIGRATIONS, start=1):
            if number > current:
                step(db)
                db.execute_sql(f"PRAGMA user_version = {number:d}")
    return schema_version(db)


def init_db(path: Path) -> SqliteDatabase:
    """Open (and create or upgrade) the ledger at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path)
    if not database.is_closed():
        database.close()
    database.init(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 15000,
            "synchronous": "normal",
        },
        check_same_thread=False,
    )
    with database.connection_context():
        migrate(database)
    return database

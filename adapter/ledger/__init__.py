"""The sync ledger: every transfer recorded, nothing sent twice.

peewee models on SQLite (WAL) plus a few named queries. The database object
is deferred (``SqliteDatabase(None)``) and initialised by :func:`init_db`;
connections are thread-local, so the job threads and the web threads each
use their own (``database.connection_context()`` outside a request).

Tables:

* ``Run`` — one row per job run; the progress widget renders from it.
* ``Entry`` — one row per object that crosses (agenda + natural key): state,
  payload hash, POHODA id/number, POHODA's error, the XML sent and the answer.
* ``RunEvent`` — what one run did to each document (the run detail page).
* ``Checkpoint`` — the per-agenda watermark (``lastChanges``, shop cursor).
* ``Pairing`` — the last pairing of e-shop products with POHODA stock cards.
* ``User`` / ``Token`` — accounts for LAN access and bookmark-URL tokens.

Schema changes are migrations numbered by SQLite's ``user_version``, so an
installed copy upgrades in place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    Field,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    Model,
    SqliteDatabase,
    TextField,
    fn,
)

database = SqliteDatabase(None, autoconnect=True)

RUN_STATES = ("running", "ok", "partial", "failed", "interrupted")
ENTRY_STATES = ("pending", "sending", "ok", "error", "held", "skipped")
TRIGGERS = ("button", "bookmark", "schedule", "cli", "pohoda", "retry", "upload")
#: a running run whose heartbeat is older than this and whose process is gone is stale
STALE_AFTER = timedelta(minutes=2)


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class UTCDateTimeField(Field):
    """An aware datetime stored as an ISO 8601 string in UTC (sorts correctly)."""

    field_type = "TEXT"

    def db_value(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def python_value(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Run(BaseModel):
    """One run of one agenda's job."""

    agenda = CharField(index=True)
    trigger = CharField(default="button")
    status = CharField(default="running", index=True)
    dry_run = BooleanField(default=False)
    full = BooleanField(default=False)  #: a full reconciliation rather than incremental
    started_at = UTCDateTimeField()
    finished_at = UTCDateTimeField(null=True)
    heartbeat_at = UTCDateTimeField(null=True)
    phase = CharField(default="")  #: what it is doing now, in Czech
    total = IntegerField(default=0)
    done = IntegerField(default=0)
    ok_count = IntegerField(default=0)
    error_count = IntegerField(default=0)
    held_count = IntegerField(default=0)
    skipped_count = IntegerField(default=0)
    message = TextField(default="")
    cancel_requested = BooleanField(default=False)
    pid = IntegerField(null=True)
    options = TextField(default="{}")  #: JSON: what was asked (keys to retry, preview flags …)
    report = TextField(default="")  #: JSON: agenda-specific summary (e.g. the payments table)
    pohoda_requests = IntegerField(default=0)
    eshop_requests = IntegerField(default=0)

    @property
    def finished(self) -> bool:
        """True once the run has ended, however it ended."""
        return self.status != "running"

    @property
    def percent(self) -> int:
        """Progress 0–100 for the progress bar."""
        if self.status != "running":
            return 100
        if not self.total:
            return 0
        return max(0, min(100, int(self.done * 100 / self.total)))

    def options_dict(self) -> dict[str, Any]:
        """The parsed ``options`` JSON."""
        try:
            value = json.loads(self.options or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def report_dict(self) -> dict[str, Any]:
        """The parsed ``report`` JSON."""
        try:
            value = json.loads(self.report or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class Entry(BaseModel):
    """The ledger row of one object crossing between the systems."""

    agenda = CharField()
    key = CharField()
    label = CharField(default="")  #: e.g. "Objednávka 1234"
    state = CharField(default="pending", index=True)
    payload_hash = CharField(default="")
    pohoda_id = IntegerField(null=True)
    pohoda_number = CharField(default="")
    shop_id = CharField(default="")
    pack_id = CharField(default="")
    item_id = CharField(default="")
    error = TextField(default="")
    warnings = TextField(default="")  #: JSON list of strings
    details = TextField(default="")  #: JSON: POHODA's rdc:details, held reasons, conflicts …
    sent_xml = TextField(null=True)
    answer_xml = TextField(null=True)
    eshop_data = TextField(null=True)  #: JSON snapshot of what the shop said
    attempts = IntegerField(default=0)
    run = ForeignKeyField(Run, null=True, on_delete="SET NULL", backref="entries")
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField(index=True)

    class Meta:
        indexes = ((("agenda", "key"), True), (("agenda", "state"), False))

    def warnings_list(self) -> list[str]:
        """The parsed warnings."""
        return _json_list(self.warnings)

    def details_value(self) -> Any:
        """The parsed details JSON (or None)."""
        try:
            return json.loads(self.details) if self.details else None
        except ValueError:
            return None


class RunEvent(BaseModel):
    """What one run did with one document."""

    run = ForeignKeyField(Run, on_delete="CASCADE", backref="events")
    agenda = CharField()
    key = CharField()
    label = CharField(default="")
    state = CharField()  #: ok, error, held, skipped, warning, duplicate, preview …
    message = TextField(default="")
    at = UTCDateTimeField()

    class Meta:
        indexes = ((("run", "state"), False), (("agenda", "key"), False))


class Checkpoint(BaseModel):
    """A per-agenda watermark, advanced only after the rows it covers are committed."""

    agenda = CharField(unique=True)
    cursor = TextField(default="")
    extra = TextField(default="{}")
    updated_at = UTCDateTimeField()

    def extra_dict(self) -> dict[str, Any]:
        """The parsed ``extra`` JSON."""
        try:
            value = json.loads(self.extra or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class Pairing(BaseModel):
    """One row of the last pairing of shop products and POHODA stock cards."""

    status = CharField(index=True)  #: paired, eshop_only, pohoda_only, conflict
    sku = CharField(default="", index=True)  #: shop SKU as the shop has it
    product_id = IntegerField(null=True)
    parent_id = IntegerField(null=True)
    shop_name = CharField(default="")
    shop_ean = CharField(default="")
    pohoda_code = CharField(default="", index=True)
    pohoda_id = IntegerField(null=True)
    pohoda_name = CharField(default="")
    pohoda_ean = CharField(default="")
    stores = CharField(default="")  #: comma-separated warehouse codes
    is_internet = BooleanField(default=False)
    matched_by = CharField(default="")  #: sku, ean
    conflict = TextField(default="")  #: Czech reason for a conflict row
    updated_at = UTCDateTimeField()


class User(BaseModel):
    """A person who may use the app over the LAN."""

    username = CharField(unique=True)
    password_hash = CharField()
    role = CharField(default="staff")  #: admin or staff
    active = BooleanField(default=True)
    #: bumped on a password change and on logout: every older session cookie stops working
    session_gen = IntegerField(default=0)
    created_at = UTCDateTimeField()
    last_login_at = UTCDateTimeField(null=True)


class Token(BaseModel):
    """A secret for bookmark sync URLs; only its hash is stored."""

    name = CharField()
    token_hash = CharField(unique=True)
    prefix = CharField()  #: first characters, to recognise it in the list
    agendas = CharField(default="*")  #: comma-separated agendas or "*"
    created_at = UTCDateTimeField()
    created_by = CharField(default="")
    revoked_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)


MODELS: tuple[type[BaseModel], ...] = (Run, Entry, RunEvent, Checkpoint, Pairing, User, Token)


# --------------------------------------------------------------------------- set-up and migrations


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
MIGRATIONS: tuple[Callable[[SqliteDatabase], None], ...] = (_m1_initial, _m2_user_session_gen, _m3_alerts)


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


# --------------------------------------------------------------------------- runs


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    # a zombie (killed child not yet reaped) is not alive for our purposes
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _is_stale(run: Run, now: datetime) -> bool:
    if run.pid == os.getpid():
        return False
    if not _pid_alive(run.pid):
        return True
    beat = run.heartbeat_at or run.started_at
    return now - beat > STALE_AFTER * 10


def start_run(
    agenda: str,
    trigger: str,
    *,
    dry_run: bool = False,
    full: bool = False,
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
    pid: int | None = None,
) -> tuple[Run, bool]:
    """Create a running Run for ``agenda``, or return the one already running.

    Returns ``(run, created)``. One running run per agenda is enforced by a
    partial unique index, so two processes (web app and CLI) cannot both
    start one. A running row left by a process that died is marked
    ``interrupted`` first.
    """
    now = now or utcnow()
    for _attempt in range(3):
        existing = Run.get_or_none((Run.agenda == agenda) & (Run.status == "running"))
        if existing is not None:
            if not _is_stale(existing, now):
                return existing, False
            interrupt_run(existing.id, now=now, message="Běh byl přerušen (proces skončil); lze jej obnovit.")
        try:
            with database.atomic():
                run = Run.create(
                    agenda=agenda,
                    trigger=trigger,
                    status="running",
                    dry_run=dry_run,
                    full=full,
                    started_at=now,
                    heartbeat_at=now,
                    pid=pid if pid is not None else os.getpid(),
                    options=json.dumps(options or {}, ensure_ascii=False),
                    phase="Spouštím…",
                )
            return run, True
        except IntegrityError:
            continue
    existing = Run.get((Run.agenda == agenda) & (Run.status == "running"))
    return existing, False


def update_run(run_id: int, **changes: Any) -> None:
    """Write progress fields of a run (and its heartbeat)."""
    changes.setdefault("heartbeat_at", utcnow())
    Run.update(**changes).where(Run.id == run_id).execute()


def finish_run(run_id: int, status: str, message: str = "", *, now: datetime | None = None, **counts: Any) -> None:
    """Close a run with its final state."""
    if status not in RUN_STATES or status == "running":
        raise ValueError(f"not a final run state: {status}")
    Run.update(status=status, message=message, finished_at=now or utcnow(), phase="", **counts).where(
        (Run.id == run_id) & (Run.status == "running")
    ).execute()


def interrupt_run(run_id: int, *, now: datetime | None = None, message: str = "") -> None:
    """Mark a running run as interrupted (resumable)."""
    Run.update(
        status="interrupted",
        finished_at=now or utcnow(),
        message=message or "Běh byl přerušen; spusťte jej znovu a naváže tam, kde skončil.",
    ).where((Run.id == run_id) & (Run.status == "running")).execute()


def recover_interrupted(now: datetime | None = None) -> list[int]:
    """At start-up: runs left ``running`` by a dead process become ``interrupted``."""
    now = now or utcnow()
    ids = []
    for run in Run.select().where(Run.status == "running"):
        if run.pid != os.getpid() and _is_stale(run, now):
            interrupt_run(run.id, now=now, message="Běh byl přerušen ukončením aplikace; lze jej obnovit.")
            ids.append(run.id)
    return ids


def request_cancel(run_id: int) -> bool:
    """Ask a running run to stop at its next safe point."""
    return bool(Run.update(cancel_requested=True).where((Run.id == run_id) & (Run.status == "running")).execute())


def cancel_requested(run_id: int) -> bool:
    """True when someone pressed Cancel for this run."""
    return bool(Run.select(Run.cancel_requested).where(Run.id == run_id).scalar())


def running_run(agenda: str) -> Run | None:
    """The run now going for ``agenda``, if any."""
    return Run.get_or_none((Run.agenda == agenda) & (Run.status == "running"))


def last_run(agenda: str, *, finished: bool = False, real: bool = True) -> Run | None:
    """The newest run of ``agenda`` (optionally only finished / only non-preview ones)."""
    query = Run.select().where(Run.agenda == agenda)
    if finished:
        query = query.where(Run.status != "running")
    if real:
        query = query.where(Run.dry_run == False)  # noqa: E712 — peewee expression
    return query.order_by(Run.id.desc()).first()


def last_ok_run(agenda: str) -> Run | None:
    """The newest real run of ``agenda`` that ended ok or partial."""
    return (
        Run.select()
        .where((Run.agenda == agenda) & (Run.status.in_(("ok", "partial"))) & (Run.dry_run == False))  # noqa: E712
        .order_by(Run.id.desc())
        .first()
    )


def runs(
    *,
    agenda: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    trigger: str | None = None,
) -> list[Run]:
    """Runs newest first, optionally filtered."""
    query = Run.select()
    if agenda:
        query = query.where(Run.agenda == agenda)
    if status:
        query = query.where(Run.status == status)
    if trigger:
        query = query.where(Run.trigger == trigger)
    return list(query.order_by(Run.id.desc()).limit(limit).offset(offset))


# --------------------------------------------------------------------------- entries and events


def get_entry(agenda: str, key: str) -> Entry | None:
    """The ledger row for one object, if any."""
    return Entry.get_or_none((Entry.agenda == agenda) & (Entry.key == key))


def entries_for(agenda: str, keys: Iterable[str]) -> dict[str, Entry]:
    """Ledger rows for many keys at once (chunked to SQLite's variable limit)."""
    out: dict[str, Entry] = {}
    key_list = list(keys)
    for i in range(0, len(key_list), 500):
        chunk = key_list[i : i + 500]
        for entry in Entry.select().where((Entry.agenda == agenda) & (Entry.key.in_(chunk))):
            out[entry.key] = entry
    return out


def save_entry(agenda: str, key: str, *, now: datetime | None = None, **values: Any) -> Entry:
    """Insert or update the ledger row of one object (upsert on agenda + key)."""
    now = now or utcnow()
    for name in ("warnings",):
        if name in values and not isinstance(values[name], str):
            values[name] = json.dumps(list(values[name]), ensure_ascii=False) if values[name] else ""
    if "details" in values and not isinstance(values["details"], str):
        values["details"] = json.dumps(values["details"], ensure_ascii=False, default=str) if values["details"] is not None else ""
    if "eshop_data" in values and values["eshop_data"] is not None and not isinstance(values["eshop_data"], str):
        values["eshop_data"] = json.dumps(values["eshop_data"], ensure_ascii=False, default=str)
    insert = {"agenda": agenda, "key": key, "created_at": now, "updated_at": now, **values}
    update = {"updated_at": now, **values}
    (
        Entry.insert(**insert)
        .on_conflict(conflict_target=[Entry.agenda, Entry.key], update={getattr(Entry, k): v for k, v in update.items()})
        .execute()
    )
    return Entry.get((Entry.agenda == agenda) & (Entry.key == key))


def save_entries(agenda: str, rows: Sequence[dict[str, Any]], *, now: datetime | None = None) -> None:
    """Upsert many ledger rows in one transaction; each dict has ``key`` plus fields.

    All dicts must carry the same fields. A new row gets the model defaults
    for the fields not given; an existing one (same agenda and key) gets the
    given fields and ``updated_at``. One prepared statement is sent with
    ``executemany`` per chunk (peewee would build the SQL value by value,
    which costs seconds per 10,000 rows).
    """
    if not rows:
        return
    now = now or utcnow()
    fields_ = [k for k in rows[0] if k != "key"]
    first = {"agenda": agenda, "created_at": now, "updated_at": now, **rows[0]}
    given = [getattr(Entry, name) for name in first]  # "run" and "run_id" both name the run column
    named = {f.name for f in given}
    defaults = [f for f in Entry._meta.sorted_fields if f.name not in named and f.default is not None]
    columns = [*given, *defaults]
    if len({f.column_name for f in columns}) != len(columns):
        raise ValueError(f"save_entries: a field is given twice ({', '.join(first)})")
    update = list(dict.fromkeys(getattr(Entry, f).column_name for f in [*fields_, "updated_at"]))
    names_sql = ", ".join(f'"{f.column_name}"' for f in columns)
    marks = ", ".join("?" for _ in columns)
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update)
    sql = (f'INSERT INTO "{Entry._meta.table_name}" ({names_sql}) VALUES ({marks}) '  # noqa: S608 — model names
           f'ON CONFLICT ("agenda", "key") DO UPDATE SET {sets}')
    names = list(first)
    # text and integer columns store a str / int as it is (peewee's db_value would return it unchanged)
    plain = [type(f) in (CharField, TextField, IntegerField) or (
        type(f) is ForeignKeyField and type(f.rel_field) in (AutoField, IntegerField)) for f in given]
    converters = [(name, None if is_plain else f.db_value) for f, name, is_plain in zip(given, names, plain, strict=True)]
    tail = tuple(f.db_value(f.default() if callable(f.default) else f.default) for f in defaults
                 if not callable(f.default))
    dynamic = any(callable(f.default) for f in defaults)
    stamps = {"agenda": agenda, "created_at": now, "updated_at": now}

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, convert in converters:
            value = row[name] if name in row else stamps[name]
            if convert is None and type(value) in (str, int):
                out.append(value)
            else:
                out.append((convert or getattr(Entry, name).db_value)(value))
        if dynamic:
            out.extend(f.db_value(f.default() if callable(f.default) else f.default) for f in defaults)
            return tuple(out)
        return (*out, *tail)

    with database.atomic():
        cursor = database.cursor()
        for i in range(0, len(rows), 500):
            cursor.executemany(sql, [values(r) for r in rows[i : i + 500]])


def set_state(agenda: str, keys: Iterable[str], state: str, **values: Any) -> int:
    """Set the state (and other fields) of many rows at once."""
    count = 0
    key_list = list(keys)
    for i in range(0, len(key_list), 500):
        chunk = key_list[i : i + 500]
        count += (
            Entry.update(state=state, updated_at=utcnow(), **values)
            .where((Entry.agenda == agenda) & (Entry.key.in_(chunk)))
            .execute()
        )
    return count


def entries(
    *,
    agenda: str | None = None,
    state: str | None = None,
    search: str = "",
    limit: int = 50,
    offset: int = 0,
) -> list[Entry]:
    """Ledger rows newest first, filtered."""
    query = Entry.select()
    if agenda:
        query = query.where(Entry.agenda == agenda)
    if state:
        query = query.where(Entry.state == state)
    if search:
        like = f"%{search}%"
        query = query.where(
            (Entry.key ** like) | (Entry.label ** like) | (Entry.pohoda_number ** like) | (Entry.error ** like)
        )
    return list(query.order_by(Entry.updated_at.desc()).limit(limit).offset(offset))


def count_entries(agenda: str) -> dict[str, int]:
    """How many ledger rows of ``agenda`` are in each state."""
    rows = Entry.select(Entry.state, fn.COUNT(Entry.id).alias("n")).where(Entry.agenda == agenda).group_by(Entry.state)
    return {r.state: r.n for r in rows}


def record_event(
    run_id: int, agenda: str, key: str, state: str, message: str = "", *, label: str = "", now: datetime | None = None
) -> None:
    """Note what this run did with one document."""
    RunEvent.create(run=run_id, agenda=agenda, key=key, label=label, state=state, message=message, at=now or utcnow())


def record_events(run_id: int, agenda: str, events: Sequence[tuple[str, str, str, str]]) -> None:
    """Many events at once: (key, label, state, message) tuples."""
    if not events:
        return
    at = RunEvent.at.db_value(utcnow())
    run = RunEvent.run.db_value(run_id)
    key, label, state, message = (RunEvent.key.db_value, RunEvent.label.db_value, RunEvent.state.db_value,
                                  RunEvent.message.db_value)
    columns = [RunEvent.run, RunEvent.agenda, RunEvent.key, RunEvent.label, RunEvent.state, RunEvent.message,
               RunEvent.at]
    names_sql = ", ".join(f'"{f.column_name}"' for f in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{RunEvent._meta.table_name}" ({names_sql}) VALUES ({marks})'  # noqa: S608 — model names
    with database.atomic():
        cursor = database.cursor()
        for i in range(0, len(events), 500):
            cursor.executemany(sql, [(run, agenda, key(k), label(lb), state(s), message(m), at)
                                     for k, lb, s, m in events[i : i + 500]])


def run_events(
    run_id: int, *, state: str | None = None, limit: int = 500, offset: int = 0, search: str = ""
) -> list[RunEvent]:
    """Events of one run, in the order they happened."""
    query = RunEvent.select().where(RunEvent.run == run_id)
    if state:
        query = query.where(RunEvent.state == state)
    if search:
        like = f"%{search}%"
        query = query.where((RunEvent.key ** like) | (RunEvent.label ** like) | (RunEvent.message ** like))
    return list(query.order_by(RunEvent.id).limit(limit).offset(offset))


def run_event_keys(run_id: int, state: str = "error") -> list[str]:
    """The distinct document keys of one run's events in ``state`` (e.g. to retry the failed ones)."""
    query = (
        RunEvent.select(RunEvent.key)
        .where((RunEvent.run == run_id) & (RunEvent.state == state))
        .group_by(RunEvent.key)
        .order_by(fn.MIN(RunEvent.id))
    )
    return [row.key for row in query]


def get_run(run_id: int) -> Run | None:
    """One run by id, if it exists."""
    return Run.get_or_none(Run.id == run_id)


def get_entry_by_id(entry_id: int) -> Entry | None:
    """One ledger row by its id, if it exists."""
    return Entry.get_or_none(Entry.id == entry_id)


def count_events(run_id: int) -> dict[str, int]:
    """How many events of one run are in each state."""
    rows = (
        RunEvent.select(RunEvent.state, fn.COUNT(RunEvent.id).alias("n"))
        .where(RunEvent.run == run_id)
        .group_by(RunEvent.state)
    )
    return {r.state: r.n for r in rows}


# --------------------------------------------------------------------------- checkpoints


def get_checkpoint(agenda: str) -> Checkpoint | None:
    """The watermark of ``agenda``, if one was ever saved."""
    return Checkpoint.get_or_none(Checkpoint.agenda == agenda)


def set_checkpoint(agenda: str, cursor: str, extra: dict[str, Any] | None = None, *, now: datetime | None = None) -> None:
    """Save the watermark of ``agenda`` (call only after the rows it covers are committed)."""
    now = now or utcnow()
    values = {"cursor": cursor, "updated_at": now}
    if extra is not None:
        values["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
    (
        Checkpoint.insert(agenda=agenda, **values)
        .on_conflict(conflict_target=[Checkpoint.agenda], update=values)
        .execute()
    )


def clear_checkpoint(agenda: str) -> None:
    """Forget the watermark: the next run starts from scratch."""
    Checkpoint.delete().where(Checkpoint.agenda == agenda).execute()


def _json_list(text: str) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]

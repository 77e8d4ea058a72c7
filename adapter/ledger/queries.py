"""Named queries on runs, ledger entries, run events and checkpoints.

Sync jobs and web views call these instead of writing peewee queries of
their own, so what the ledger is asked stays in one place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from peewee import AutoField, CharField, Field, ForeignKeyField, IntegerField, IntegrityError, TextField, fn

from adapter.ledger.models import (
    RUN_STATES,
    STALE_AFTER,
    Checkpoint,
    Entry,
    Run,
    RunEvent,
    database,
    utcnow,
)
from adapter.procs import pid_alive

#: SQLite's variable limit is 999 in old builds: IN lists and executemany go in chunks of this
CHUNK = 500


# --------------------------------------------------------------------------- runs


def _pid_alive(pid: int | None) -> bool:
    return pid_alive(pid)  # never os.kill: on Windows it sends CTRL+C to that process's console


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


def get_run(run_id: int) -> Run | None:
    """One run by id, if it exists."""
    return Run.get_or_none(Run.id == run_id)


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
    return query.order_by(Run.id.desc()).get_or_none()


def last_ok_run(agenda: str) -> Run | None:
    """The newest real run of ``agenda`` that ended ok or partial (the health panel's "last successful run")."""
    run: Run | None = (
        Run.select()
        .where((Run.agenda == agenda) & (Run.status.in_(("ok", "partial"))) & (Run.dry_run == False))  # noqa: E712
        .order_by(Run.id.desc())
        .first()
    )
    return run


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


# --------------------------------------------------------------------------- entries


def get_entry(agenda: str, key: str) -> Entry | None:
    """The ledger row for one object, if any."""
    return Entry.get_or_none((Entry.agenda == agenda) & (Entry.key == key))


def get_entry_by_id(entry_id: int) -> Entry | None:
    """One ledger row by its id, if it exists."""
    return Entry.get_or_none(Entry.id == entry_id)


def entries_for(agenda: str, keys: Iterable[str]) -> dict[str, Entry]:
    """Ledger rows for many keys at once (chunked to SQLite's variable limit)."""
    out: dict[str, Entry] = {}
    key_list = list(keys)
    for i in range(0, len(key_list), CHUNK):
        chunk = key_list[i : i + CHUNK]
        for entry in Entry.select().where((Entry.agenda == agenda) & (Entry.key.in_(chunk))):
            out[entry.key] = entry
    return out


def _encode_entry_values(values: dict[str, Any]) -> None:
    """Turn the JSON-valued fields given as Python objects into their stored text (in place)."""
    if "warnings" in values and not isinstance(values["warnings"], str):
        values["warnings"] = json.dumps(list(values["warnings"]), ensure_ascii=False) if values["warnings"] else ""
    if "details" in values and not isinstance(values["details"], str):
        details = values["details"]
        values["details"] = json.dumps(details, ensure_ascii=False, default=str) if details is not None else ""
    if "eshop_data" in values and values["eshop_data"] is not None and not isinstance(values["eshop_data"], str):
        values["eshop_data"] = json.dumps(values["eshop_data"], ensure_ascii=False, default=str)


def save_entry(agenda: str, key: str, *, now: datetime | None = None, **values: Any) -> Entry:
    """Insert or update the ledger row of one object (upsert on agenda + key)."""
    now = now or utcnow()
    _encode_entry_values(values)
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
    first = {"agenda": agenda, "created_at": now, "updated_at": now, **rows[0]}
    given = [getattr(Entry, name) for name in first]  # "run" and "run_id" both name the run column
    named = {f.name for f in given}
    defaults = [f for f in Entry._meta.sorted_fields if f.name not in named and f.default is not None]
    columns = [*given, *defaults]
    if len({f.column_name for f in columns}) != len(columns):
        raise ValueError(f"save_entries: a field is given twice ({', '.join(first)})")
    changed = [k for k in rows[0] if k != "key"]
    update = list(dict.fromkeys(getattr(Entry, f).column_name for f in [*changed, "updated_at"]))
    names_sql = ", ".join(f'"{f.column_name}"' for f in columns)
    marks = ", ".join("?" for _ in columns)
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update)
    sql = (f'INSERT INTO "{Entry._meta.table_name}" ({names_sql}) VALUES ({marks}) '  # noqa: S608 — model names
           f'ON CONFLICT ("agenda", "key") DO UPDATE SET {sets}')
    values = _row_encoder(given, list(first), defaults, {"agenda": agenda, "created_at": now, "updated_at": now})
    with database.atomic():
        cursor = database.cursor()
        for i in range(0, len(rows), CHUNK):
            cursor.executemany(sql, [values(r) for r in rows[i : i + CHUNK]])


def _row_encoder(
    given: list[Any], names: list[str], defaults: list[Any], stamps: dict[str, Any]
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function turning one ``save_entries`` row into its SQL parameters (given fields, then defaults)."""
    # text and integer columns store a str / int as it is (peewee's db_value would return it unchanged)
    plain = [type(f) in (CharField, TextField, IntegerField) or (
        type(f) is ForeignKeyField and type(f.rel_field) in (AutoField, IntegerField)) for f in given]
    converters = [(name, None if is_plain else f.db_value) for f, name, is_plain in zip(given, names, plain, strict=True)]
    tail = tuple(f.db_value(f.default) for f in defaults if not callable(f.default))
    dynamic = any(callable(f.default) for f in defaults)

    # the run's stamps are the same for every row: converted once (not an isoformat per row and column)
    encoded = {name: (convert or getattr(Entry, name).db_value)(stamps[name])
               for name, convert in converters if name in stamps}

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, convert in converters:
            if name not in row:
                out.append(encoded[name] if name in encoded else stamps[name])
                continue
            value = row[name]
            if convert is None and type(value) in (str, int):
                out.append(value)
            else:
                out.append((convert or getattr(Entry, name).db_value)(value))
        if dynamic:
            out.extend(f.db_value(f.default() if callable(f.default) else f.default) for f in defaults)
            return tuple(out)
        return (*out, *tail)

    return values


def set_state(agenda: str, keys: Iterable[str], state: str, **values: Any) -> int:
    """Set the state (and other fields) of many rows at once."""
    count = 0
    key_list = list(keys)
    for i in range(0, len(key_list), CHUNK):
        chunk = key_list[i : i + CHUNK]
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
    rows = Entry.select(Entry.state, fn.COUNT(Entry.id)).where(Entry.agenda == agenda).group_by(Entry.state)
    return {state: int(n) for state, n in cast(Iterable[tuple[str, int]], rows.tuples())}


# --------------------------------------------------------------------------- run events


def record_events(run_id: int, agenda: str, events: Sequence[tuple[str, str, str, str]]) -> None:
    """Many events at once: (key, label, state, message) tuples."""
    if not events:
        return
    at = RunEvent.at.db_value(utcnow())
    run = RunEvent.run.db_value(run_id)
    columns: list[Field[Any]] = [RunEvent.run, RunEvent.agenda, RunEvent.key, RunEvent.label, RunEvent.state,
                                 RunEvent.message, RunEvent.at]
    names_sql = ", ".join(f'"{f.column_name}"' for f in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{RunEvent._meta.table_name}" ({names_sql}) VALUES ({marks})'  # noqa: S608 — model names
    with database.atomic():
        cursor = database.cursor()
        for i in range(0, len(events), CHUNK):
            cursor.executemany(sql, [(run, agenda, RunEvent.key.db_value(k), RunEvent.label.db_value(lb),
                                      RunEvent.state.db_value(s), RunEvent.message.db_value(m), at)
                                     for k, lb, s, m in events[i : i + CHUNK]])


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


def count_events(run_id: int) -> dict[str, int]:
    """How many events of one run are in each state."""
    rows = (
        RunEvent.select(RunEvent.state, fn.COUNT(RunEvent.id))
        .where(RunEvent.run == run_id)
        .group_by(RunEvent.state)
    )
    return {state: int(n) for state, n in cast(Iterable[tuple[str, int]], rows.tuples())}


# --------------------------------------------------------------------------- checkpoints


def get_checkpoint(agenda: str) -> Checkpoint | None:
    """The watermark of ``agenda``, if one was ever saved."""
    return Checkpoint.get_or_none(Checkpoint.agenda == agenda)


def set_checkpoint(agenda: str, cursor: str, extra: dict[str, Any] | None = None, *, now: datetime | None = None) -> None:
    """Save the watermark of ``agenda`` (call only after the rows it covers are committed)."""
    now = now or utcnow()
    values: dict[str, Any] = {"cursor": cursor, "updated_at": now}
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

"""The sync ledger: every transfer recorded, nothing sent twice.

peewee models on SQLite (WAL) plus named queries, so no other package writes
a peewee query of its own:

* :mod:`adapter.ledger.models` — the tables and the deferred ``database``;
* :mod:`adapter.ledger.migrations` — opening the ledger, schema upgrades;
* :mod:`adapter.ledger.queries` — runs, entries, run events, checkpoints;
* :mod:`adapter.ledger.accounts` — user accounts, sessions, bookmark tokens;
* one module of named queries per agenda (``orders``, ``invoices``, ``stock``, ``pairing`` …) and
  :mod:`adapter.ledger.pohoda_values` (POHODA's lists for the mapping screens);
* the runs' temporary tables: :mod:`adapter.ledger.scratch` (their lifetime),
  :mod:`adapter.ledger.pairing_scratch` (the streamed pairing), :mod:`adapter.ledger.stock_plan`
  (the full stock run's plans).

Every public name of ``models``, ``migrations`` and ``queries`` is importable
from ``adapter.ledger`` itself (``ledger.start_run``, ``ledger.Entry`` …).
"""

from __future__ import annotations

from adapter.ledger.migrations import MIGRATIONS, init_db, migrate, schema_version
from adapter.ledger.models import (
    ENTRY_STATES,
    MODELS,
    RUN_STATES,
    STALE_AFTER,
    TRIGGERS,
    BaseModel,
    Checkpoint,
    Entry,
    Pairing,
    Run,
    RunEvent,
    Token,
    User,
    UTCDateTimeField,
    database,
    utcnow,
)
from adapter.ledger.queries import (
    cancel_requested,
    clear_checkpoint,
    count_entries,
    count_events,
    entries,
    entries_for,
    finish_run,
    get_checkpoint,
    get_entry,
    get_entry_by_id,
    get_run,
    interrupt_run,
    last_full_run,
    last_ok_run,
    last_run,
    record_events,
    recover_interrupted,
    request_cancel,
    run_by_id,
    run_event_keys,
    run_events,
    running_run,
    runs,
    save_entries,
    save_entry,
    set_checkpoint,
    set_state,
    start_run,
    update_run,
)

__all__ = [
    "ENTRY_STATES",
    "MIGRATIONS",
    "MODELS",
    "RUN_STATES",
    "STALE_AFTER",
    "TRIGGERS",
    "BaseModel",
    "Checkpoint",
    "Entry",
    "Pairing",
    "Run",
    "RunEvent",
    "Token",
    "UTCDateTimeField",
    "User",
    "cancel_requested",
    "clear_checkpoint",
    "count_entries",
    "count_events",
    "database",
    "entries",
    "entries_for",
    "finish_run",
    "get_checkpoint",
    "get_entry",
    "get_entry_by_id",
    "get_run",
    "init_db",
    "interrupt_run",
    "last_full_run",
    "last_ok_run",
    "last_run",
    "migrate",
    "record_events",
    "recover_interrupted",
    "request_cancel",
    "run_by_id",
    "run_event_keys",
    "run_events",
    "running_run",
    "runs",
    "save_entries",
    "save_entry",
    "schema_version",
    "set_checkpoint",
    "set_state",
    "start_run",
    "update_run",
    "utcnow",
]

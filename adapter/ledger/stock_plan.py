"""The stock full run's plans on disk: its temporary tables and every statement run on them.

:class:`~adapter.sync.stock.full.PlanTable` decides what is planned and
pushed; this module stores and reads its rows. Three ``temp`` tables of the
ledger's connection:

* ``stock_plan`` — one row per planned product (:data:`PLAN_COLUMNS`), read back in batch order;
* ``stock_unlinked`` — the products this run's pairing links to no code;
* ``stock_prev`` — the ids of the products linked before the run (stored pairing, last pushed).

Rows go in and come out as plain tuples, a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from adapter.ledger.models import database
from adapter.ledger.scratch import TempTables
from adapter.ledger.stock import AGENDA

#: a plan's columns as :meth:`StockPlanTables.add_plans` takes them; ``parent0`` is the parent's id or 0, the
#: batch order's first key
PLAN_COLUMNS = ("known", "parent0", "pid", "parent", "sku", "code", "qty", "regular", "sale", "clear", "hash", "state",
                "warning")
#: one plan, in :data:`PLAN_COLUMNS` order
PlanRow = tuple[Any, ...]
#: one plan as read back: :data:`PLAN_COLUMNS` without ``known``
StoredPlan = tuple[Any, ...]
#: (id, parent, sku, manage, qty, regular, sale): a product left unlinked
UnlinkedRow = tuple[Any, ...]

_INSERT_PLAN = (f"INSERT INTO temp.stock_plan ({', '.join(PLAN_COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in PLAN_COLUMNS)})")
_READ_PLANS = (f"SELECT {', '.join(PLAN_COLUMNS[1:])} FROM temp.stock_plan"  # noqa: S608
               " WHERE known = ? AND (parent0, pid) > (?, ?) ORDER BY parent0, pid LIMIT ?")


class StockPlanTables(TempTables):
    """The full run's plan tables (created on enter, dropped on exit)."""

    TABLES = ("stock_plan", "stock_unlinked", "stock_prev")
    SCHEMA = (
        "CREATE TEMP TABLE stock_plan (seq INTEGER PRIMARY KEY, known INTEGER, parent0 INTEGER, pid INTEGER,"
        " parent INTEGER, sku TEXT, code TEXT, qty TEXT, regular TEXT, sale TEXT, clear INTEGER, hash TEXT,"
        " state TEXT, warning TEXT)",
        "CREATE TEMP TABLE stock_unlinked (id INTEGER PRIMARY KEY, parent INTEGER, sku TEXT, manage INTEGER, qty TEXT,"
        " regular TEXT, sale TEXT)",
        "CREATE TEMP TABLE stock_prev (id INTEGER PRIMARY KEY)",
    )

    def note_previous(self) -> None:
        """Remember the products linked before this run: the stored pairing's (paired or in conflict, with a
        code) and those last pushed with success."""
        database.execute_sql(
            "INSERT OR IGNORE INTO temp.stock_prev SELECT product_id FROM pairing WHERE product_id IS NOT NULL"
            " AND pohoda_code != '' AND status IN ('paired', 'conflict')")
        database.execute_sql(
            "INSERT OR IGNORE INTO temp.stock_prev SELECT CAST(key AS INTEGER) FROM entry WHERE agenda = ?"
            " AND state = 'ok' AND key != '' AND key NOT GLOB '*[^0-9]*'", (AGENDA,))

    def add_plans(self, rows: Sequence[PlanRow]) -> None:
        """Store plans (:data:`PlanRow`)."""
        database.cursor().executemany(_INSERT_PLAN, rows)  # type: ignore[no-untyped-call,unused-ignore]

    def add_unlinked(self, rows: Sequence[UnlinkedRow]) -> None:
        """Store unlinked products (:data:`UnlinkedRow`); a product stored already is kept as it was."""
        database.cursor().executemany(  # type: ignore[no-untyped-call,unused-ignore]
            "INSERT OR IGNORE INTO temp.stock_unlinked VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def vanished(self, chunk: int) -> Iterator[UnlinkedRow]:
        """The unlinked products that were linked before (:meth:`note_previous`), by id, ``chunk`` per fetch."""
        cursor = database.execute_sql(
            "SELECT u.id, u.parent, u.sku, u.manage, u.qty, u.regular, u.sale FROM temp.stock_unlinked u"
            " JOIN temp.stock_prev v ON v.id = u.id ORDER BY u.id")
        while rows := cursor.fetchmany(chunk):
            yield from rows

    def forget_known_in_ledger(self) -> None:
        """Drop the known plans whose ledger row (stock agenda, keyed by product id) has their hash and state."""
        database.execute_sql(
            "DELETE FROM temp.stock_plan WHERE known = 1 AND EXISTS (SELECT 1 FROM entry e WHERE e.agenda = ?"
            " AND e.key = CAST(stock_plan.pid AS TEXT) AND e.payload_hash = stock_plan.hash"
            " AND e.state = stock_plan.state)", (AGENDA,))

    def count(self, *, known: bool) -> int:
        """How many plans of the kind are stored."""
        return int(database.execute_sql("SELECT COUNT(*) FROM temp.stock_plan WHERE known = ?", (known,)).fetchone()[0])

    def plans(self, *, known: bool, chunk: int) -> Iterator[list[StoredPlan]]:
        """The stored plans of the kind in batch order (parent0, then product id), ``chunk`` at a time.

        Each chunk is one range read of an index (a scan per chunk would make the push quadratic).
        """
        database.execute_sql("CREATE INDEX IF NOT EXISTS temp.stock_plan_order ON stock_plan (known, parent0, pid)")
        after: tuple[int, int] = (-1, -1)
        while rows := database.execute_sql(_READ_PLANS, (known, *after, chunk)).fetchall():
            after = (rows[-1][0], rows[-1][1])
            yield rows

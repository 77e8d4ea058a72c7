"""The stock full run's plan tables (ledger/stock_plan): who was linked before, what the ledger knows, batch order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.ledger.models import Pairing, utcnow
from adapter.ledger.stock_plan import PLAN_COLUMNS, StockPlanTables


@pytest.fixture
def db(tmp_path: Path) -> Iterator[None]:
    ledger.init_db(tmp_path / "ledger.db")
    yield
    ledger.database.close()


def plan(pid: int, parent: int | None = None, *, known: bool = False, hash_: str = "h", state: str = "ok") -> tuple[Any, ...]:
    return (known, parent or 0, pid, parent, f"S{pid}", f"C{pid}", "5", "", "", False, hash_, state, "")


def unlinked(pid: int) -> tuple[Any, ...]:
    return (pid, None, f"S{pid}", True, "3", "10.5", "")


def test_plans_come_back_in_batch_order_a_chunk_at_a_time(db: None) -> None:
    with StockPlanTables() as tables:
        tables.add_plans([plan(9), plan(3, 30), plan(2), plan(21, 20), plan(32, 30), plan(7, known=True)])
        chunks = list(tables.plans(known=False, chunk=2))
        assert [[row[1] for row in chunk] for chunk in chunks] == [[2, 9], [21, 3], [32]]
        assert chunks[0][0] == plan(2)[1:]  # every column but known, in PLAN_COLUMNS order
        assert [[row[1] for row in chunk] for chunk in tables.plans(known=True, chunk=2)] == [[7]]
        assert (tables.count(known=False), tables.count(known=True)) == (5, 1)
    assert len(PLAN_COLUMNS) == len(plan(1))


def test_vanished_are_the_unlinked_that_were_linked_before(db: None) -> None:
    now = utcnow()
    Pairing.create(status="paired", product_id=1, pohoda_code="A", updated_at=now)
    Pairing.create(status="conflict", product_id=2, pohoda_code="B", updated_at=now)
    Pairing.create(status="eshop_only", product_id=3, updated_at=now)  # never linked
    Pairing.create(status="paired", product_id=6, pohoda_code="", updated_at=now)  # no code: not linked
    ledger.save_entries("stock", [{"key": "4", "state": "ok"}, {"key": "5", "state": "error"},
                                  {"key": "x7", "state": "ok"}])
    ledger.save_entries("orders", [{"key": "8", "state": "ok"}])
    with StockPlanTables() as tables:
        tables.note_previous()
        tables.add_unlinked([unlinked(pid) for pid in (8, 6, 5, 4, 3, 2, 1)])
        tables.add_unlinked([(1, None, "other", False, None, None, None)])  # stored already: kept as it was
        assert list(tables.vanished(chunk=2)) == [unlinked(1), unlinked(2), unlinked(4)]


def test_known_plans_the_ledger_has_are_forgotten(db: None) -> None:
    ledger.save_entries("stock", [{"key": "1", "payload_hash": "h", "state": "ok"},
                                  {"key": "2", "payload_hash": "old", "state": "ok"},
                                  {"key": "3", "payload_hash": "h", "state": "skipped"}])
    with StockPlanTables() as tables:
        tables.add_plans([plan(1, known=True), plan(2, known=True), plan(3, known=True), plan(1)])
        tables.forget_known_in_ledger()
        assert [row[1] for chunk in tables.plans(known=True, chunk=10) for row in chunk] == [2, 3]
        assert tables.count(known=False) == 1


def test_the_tables_are_dropped_afterwards(db: None) -> None:
    with StockPlanTables() as tables:
        tables.add_plans([plan(1)])
    names = {r[0] for r in ledger.database.execute_sql("SELECT name FROM sqlite_temp_master WHERE type = 'table'")}
    assert not names & set(StockPlanTables.TABLES)
    with StockPlanTables() as tables:  # a second run starts empty
        assert tables.count(known=False) == 0

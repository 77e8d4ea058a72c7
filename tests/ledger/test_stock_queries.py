"""The stock ledger's named queries: right answers, and each chunk found through the (agenda, key) index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from peewee import chunked

from adapter import ledger
from adapter.ledger import Entry, database
from adapter.ledger.stock import PUSHED_SQL, stock_hashes, stock_pushed

ROWS = 3000


@pytest.fixture
def stock_rows(tmp_path: Path) -> Iterator[None]:
    ledger.init_db(tmp_path / "ledger.db")
    now = datetime.now(UTC)
    rows = ({"agenda": "stock", "key": str(i), "state": "error" if i % 10 == 0 else "ok",
             "payload_hash": f"h{i % 7}", "label": f"SKU {i}", "created_at": now, "updated_at": now}
            for i in range(ROWS))
    with database.atomic():
        for batch in chunked(rows, 2000):
            Entry.insert_many(batch).execute()
    yield
    database.close()


def test_pushed_means_ok_with_one_of_the_shown_hashes(stock_rows: None) -> None:
    shown = {str(i): {f"h{i % 7}", "other"} for i in range(0, ROWS, 3)}
    shown["1"] = {"h0"}  # ok, but its hash is h1
    shown["99999"] = {"h0"}  # no row
    assert stock_pushed(shown) == {str(i) for i in range(0, ROWS, 3) if i % 10}
    assert stock_hashes(["1", "10", "99999"]) == {"1": ("h1", "ok"), "10": ("h3", "error")}


def test_each_chunk_is_looked_up_by_the_agenda_key_index(stock_rows: None) -> None:
    database.execute_sql("ANALYZE")  # what SQLite knows after real use: the states are few, the keys many
    sql = PUSHED_SQL.format(marks=",".join("?" * 500))
    plan = database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", ["stock", *map(str, range(500))]).fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "entry_agenda_key" in details, details

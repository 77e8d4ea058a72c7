"""SQLite persistence for the WooCommerce emulator.

Each object (product, variation, order, order note, customer) is one JSON
document plus a few indexed columns the REST filters need. One connection,
guarded by a lock, serves all request threads; WAL keeps it quick enough for
100,000 products. A batch request runs in one transaction (:meth:`Store.transaction`),
and paging a list remembers the ordered ids of the query until the next write
to that table, so page 900 costs what page 1 does (no ``COUNT(*)`` and
``OFFSET`` scan per page).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
    sku TEXT NOT NULL, gid TEXT NOT NULL, name TEXT NOT NULL, slug TEXT NOT NULL, search TEXT NOT NULL,
    created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, status TEXT NOT NULL, customer_id INTEGER NOT NULL, search TEXT NOT NULL,
    created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_modified ON orders (modified, id);
CREATE INDEX IF NOT EXISTS orders_created ON orders (created, id);
CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notes_order ON notes (order_id);
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    name TEXT NOT NULL, search TEXT NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS nonces_ts ON nonces (ts);
"""
#: ordered id lists of list queries kept for paging (dropped on any write to their table)
_ORDER_CACHE = 16
#: rows whose indexed columns are remembered so that an update rewrites only the changed ones
_STORED = 4096
#: created after seeding, which is faster than maintaining them during a bulk insert
_INDEXES = """
CREATE INDEX IF NOT EXISTS products_sku ON products (sku);
CREATE INDEX IF NOT EXISTS products_gid ON products (gid);
CREATE INDEX IF NOT EXISTS products_parent ON products (parent_id);
CREATE INDEX IF NOT EXISTS products_modified ON products (modified, id);
CREATE INDEX IF NOT EXISTS products_created ON products (created, id);
"""


def _product_columns(doc: Doc) -> tuple[Any, ...]:
    text = " ".join((doc.get("name", ""), doc.get("short_description", ""), doc.get("description", "")))
    return (
        doc["id"], doc.get("parent_id", 0), doc["type"], doc.get("status", "publish"), doc.get("sku", ""),
        doc.get("global_unique_id", ""), doc.get("name", ""), doc.get("slug", ""), text.casefold(),
        doc["date_created_gmt"], doc["date_modified_gmt"],
    )


def _order_columns(doc: Doc) -> tuple[Any, ...]:
    parts = [str(doc["id"])]
    for side in ("billing", "shipping"):
        parts.extend(str(v) for v in doc.get(side, {}).values())
    parts.extend(item.get("name", "") for item in doc.get("line_items", []))
    return (
        doc["id"], doc["status"], doc.get("customer_id", 0), " ".join(parts).casefold(),
        doc["date_created_gmt"], doc["date_modified_gmt"],
    )


def _customer_columns(doc: Doc) -> tuple[Any, ...]:
    name = f"{doc.get('last_name', '')} {doc.get('first_name', '')}"
    text = " ".join((doc["email"], doc.get("username", ""), doc.get("first_name", ""), doc.get("last_name", "")))
    return (
        doc["id"], doc["email"].casefold(), doc["username"], doc.get("role", "customer"), name.casefold(),
        text.casefold(), doc["date_created_gmt"], doc["date_modified_gmt"],
    )


_TABLES: dict[str, tuple[tuple[str, ...], Callable[[Doc], tuple[Any, ...]]]] = {
    "products": (
        ("id", "parent_id", "type", "status", "sku", "gid", "name", "slug", "search", "created", "modified"),
        _product_columns,
    ),
    "orders": (("id", "status", "customer_id", "search", "created", "modified"), _order_columns),
    "customers": (
        ("id", "email", "username", "role", "name", "search", "created", "modified"),
        _customer_columns,
    ),
    "notes": (("id", "order_id"), lambda doc: (doc["id"], doc["order_id"])),
}


class Store:
    """Thread-safe document store over one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = 0  #: nesting of :meth:`transaction` (only the outermost one commits)
        #: (table, where, params, order) → ids in that order, valid until the table is written
        self._orders: OrderedDict[tuple[Any, ...], list[int]] = OrderedDict()
        #: (table, id) → indexed columns as stored, for rows read or written lately (see put_many)
        self._stored: OrderedDict[tuple[str, Any], tuple[Any, ...]] = OrderedDict()

    @contextmanager
    def transaction(self, *, keep_on_error: bool = False) -> Iterator[None]:
        """One transaction for everything inside (nested calls join the outer one).

        The lock is held throughout, so no other request thread's statement
        lands in it. ``keep_on_error`` commits what was written before an
        exception (a PHP fatal error half-way through a batch leaves the
        earlier items saved, too); otherwise everything is rolled back.
        """
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._db.execute("COMMIT" if keep_on_error else "ROLLBACK")
                self._orders.clear()
                self._stored.clear()
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    def _written(self, table: str) -> None:
        """Forget the cached orders of ``table`` (call with the lock held)."""
        for key in [k for k in self._orders if k[0] == table]:
            del self._orders[key]

    def ensure_indexes(self) -> None:
        """Create the product indexes (idempotent; call after bulk seeding)."""
        with self.lock:
            self._db.executescript(_INDEXES)

    def close(self) -> None:
        """Close the database connection."""
        with self.lock:
            self._db.close()

    # ------------------------------------------------------------------ sequences and settings

    def next_ids(self, name: str, count: int = 1) -> list[int]:
        """Reserve ``count`` consecutive ids from sequence ``name``."""
        with self.lock:
            row = self._db.execute("SELECT value FROM seq WHERE name = ?", (name,)).fetchone()
            last = row[0] if row else 0
            self._db.execute(
                "INSERT INTO seq (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, last + count),
            )
            return list(range(last + 1, last + count + 1))

    def next_id(self, name: str) -> int:
        """Reserve one id from sequence ``name``."""
        return self.next_ids(name)[0]

    def get_kv(self, key: str) -> str | None:
        """Read a setting."""
        with self.lock:
            row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

    def set_kv(self, key: str, value: str) -> None:
        """Write a setting."""
        with self.lock:
            self._db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ documents

    def get(self, table: str, obj_id: int) -> Doc | None:
        """One document by id, or None (its indexed columns are remembered for a following put)."""
        columns = _TABLES[table][0] if table in _TABLES else ("id",)
        with self.lock:
            sql = f"SELECT doc, {', '.join(columns)} FROM {table} WHERE id = ?"  # noqa: S608
            row = self._db.execute(sql, (obj_id,)).fetchone()
            if row is None:
                return None
            if table in _TABLES:
                self._remember(table, row[1:])
        doc: dict[str, Any] = json.loads(row[0])
        return doc

    def _remember(self, table: str, columns: tuple[Any, ...]) -> None:
        """Note a row's indexed columns as stored (lock held)."""
        key = (table, columns[0])
        self._stored[key] = columns
        self._stored.move_to_end(key)
        while len(self._stored) > _STORED:
            self._stored.popitem(last=False)

    def put(self, table: str, doc: Doc) -> None:
        """Insert or replace one document."""
        self.put_many(table, [doc])

    def put_many(self, table: str, docs: Iterable[Doc]) -> None:
        """Insert or replace many documents in one transaction.

        A document read by :meth:`get` (or written) shortly before is updated
        in place, setting only the indexed columns that changed (an index is
        not rewritten for a column that stays); others are inserted or replaced.
        """
        columns, extract = _TABLES[table]
        marks = ", ".join("?" * (len(columns) + 1))
        sql = f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}, doc) VALUES ({marks})"  # noqa: S608
        with self.lock:
            self._written(table)
            if self._depth:
                self._put_rows(table, columns, sql, extract, docs)
                return
            self._db.execute("BEGIN")
            try:
                self._put_rows(table, columns, sql, extract, docs)
            except BaseException:
                self._db.execute("ROLLBACK")
                self._stored.clear()
                raise
            self._db.execute("COMMIT")

    def _put_rows(self, table: str, columns: tuple[str, ...], sql: str, extract: Callable[[Doc], tuple[Any, ...]],
                  docs: Iterable[Doc]) -> None:
        """Write documents (lock held, inside a transaction)."""
        fresh = []
        for doc in docs:
            values = extract(doc)
            text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            known = self._stored.get((table, values[0]))
            if known is not None:
                changed = [(name, value) for name, value, old in zip(columns[1:], values[1:], known[1:], strict=True)
                           if value != old]
                sets = "".join(f"{name} = ?, " for name, _ in changed)
                update = f"UPDATE {table} SET {sets}doc = ? WHERE id = ?"  # noqa: S608 — fixed column names
                if self._db.execute(update, [*(v for _, v in changed), text, values[0]]).rowcount == 1:
                    self._remember(table, values)
                    continue
            fresh.append((*values, text))
            if len(fresh) <= _STORED:
                self._remember(table, values)
        if fresh:
            self._db.executemany(sql, fresh)

    def delete(self, table: str, obj_id: int) -> None:
        """Remove one document."""
        with self.lock:
            self._written(table)
            self._stored.pop((table, obj_id), None)
            self._db.execute(f"DELETE FROM {table} WHERE id = ?", (obj_id,))  # noqa: S608

    def find(
        self,
        table: str,
        where: Sequence[str] = (),
        params: Sequence[Any] = (),
        order: str = "id ASC",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[Doc], int]:
        """Documents matching ``where`` (ANDed SQL fragments) and the total count.

        With ``limit`` (a page), the ids of the whole query in order are read
        once and kept until the table is next written; each page then reads
        only its own documents. ``limit``/``offset`` behave as in SQLite (a
        negative limit means all, a negative offset none).
        """
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.lock:
            if limit is None:
                rows = self._db.execute(f"SELECT doc FROM {table}{clause} ORDER BY {order}", list(params)).fetchall()  # noqa: S608
                return [json.loads(r[0]) for r in rows], len(rows)
            ids = self._ordered_ids(table, clause, params, order)
            start = max(offset, 0)
            page = ids[start:] if limit < 0 else ids[start : start + limit]
            docs: dict[int, str] = {}
            for i in range(0, len(page), 500):
                chunk = page[i : i + 500]
                sql = f"SELECT id, doc FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"  # noqa: S608
                docs.update(self._db.execute(sql, chunk).fetchall())
        return [json.loads(docs[i]) for i in page], len(ids)

    def _ordered_ids(self, table: str, clause: str, params: Sequence[Any], order: str) -> list[int]:
        """Ids matching ``clause`` in ``order``, from the paging cache when the table is unchanged (lock held)."""
        key = (table, clause, tuple(params), order)
        ids = self._orders.get(key)
        if ids is None:
            sql = f"SELECT id FROM {table}{clause} ORDER BY {order}"  # noqa: S608
            ids = [r[0] for r in self._db.execute(sql, list(params))]
            self._orders[key] = ids
            while len(self._orders) > _ORDER_CACHE:
                self._orders.popitem(last=False)
        else:
            self._orders.move_to_end(key)
        return ids

    def ids(self, table: str, where: Sequence[str] = (), params: Sequence[Any] = ()) -> list[int]:
        """Ids of the documents matching ``where``."""
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.lock:
            rows = self._db.execute(f"SELECT id FROM {table}{clause} ORDER BY id", params).fetchall()  # noqa: S608
        return [r[0] for r in rows]

    def count(self, table: str) -> int:
        """Number of documents in ``table``."""
        with self.lock:
            count: int = self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
        return count

    # ------------------------------------------------------------------ OAuth nonces

    def use_nonce(self, nonce: str, ts: int, now: int, window: int) -> bool:
        """Record a nonce; False when it was already used within ``window`` seconds."""
        with self.lock:
            self._db.execute("DELETE FROM nonces WHERE ts < ?", (now - window,))
            try:
                self._db.execute("INSERT INTO nonces (nonce, ts) VALUES (?, ?)", (nonce, ts))
            except sqlite3.IntegrityError:
                return False
            return True

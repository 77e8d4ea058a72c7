"""SQLite storage of the mServer emulator (one company database per data folder).

Stdlib ``sqlite3`` in WAL mode. Money and quantities are stored as decimal
strings (never floats). Every record carries ``changed`` (local time,
ISO text with microseconds) for ``lastChanges`` filters. All access goes
through one re-entrant lock, so the HTTP thread and test threads calling the
admin/inspection methods never interleave inside a transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter.emulators.catalogue import STORES, CatalogueCard

DEFAULT_STORE = STORES[0]

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL, store TEXT NOT NULL, ean TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '', storage TEXT NOT NULL DEFAULT '',
    type_price TEXT NOT NULL DEFAULT '', stock_type TEXT NOT NULL DEFAULT 'card',
    vat_rate TEXT NOT NULL DEFAULT 'none', price TEXT NOT NULL DEFAULT '0', price_vat INTEGER NOT NULL DEFAULT 0,
    is_internet INTEGER NOT NULL DEFAULT 0, is_sales INTEGER NOT NULL DEFAULT 1,
    count TEXT NOT NULL DEFAULT '0', reservation TEXT NOT NULL DEFAULT '0',
    ext_ids TEXT NOT NULL DEFAULT '', ext_system TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', changed TEXT NOT NULL,
    UNIQUE (code, store)
);
CREATE INDEX IF NOT EXISTS stock_changed ON stock (changed);
CREATE INDEX IF NOT EXISTS stock_ean ON stock (ean);
CREATE TABLE IF NOT EXISTS price_level (
    stock_id INTEGER NOT NULL, name TEXT NOT NULL, price TEXT NOT NULL, PRIMARY KEY (stock_id, name)
);
CREATE TABLE IF NOT EXISTS address (
    id INTEGER PRIMARY KEY, company TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '', street TEXT NOT NULL DEFAULT '', zip TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '', ico TEXT NOT NULL DEFAULT '', dic TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', mobil TEXT NOT NULL DEFAULT '',
    ext_ids TEXT NOT NULL DEFAULT '', ext_system TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
    changed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS received_order (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, number_order TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL, text TEXT NOT NULL DEFAULT '', partner_id INTEGER, partner TEXT NOT NULL DEFAULT '{}',
    payment_type TEXT NOT NULL DEFAULT '', is_reserved INTEGER NOT NULL DEFAULT 0,
    is_executed INTEGER NOT NULL DEFAULT 0, prices_vat INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT '', rate TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL DEFAULT 1,
    total TEXT NOT NULL DEFAULT '0', total_foreign TEXT NOT NULL DEFAULT '',
    ext_ids TEXT NOT NULL DEFAULT '', ext_system TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', int_note TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, changed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issued_invoice (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, sym_var TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL, date_tax TEXT NOT NULL DEFAULT '', date_due TEXT NOT NULL DEFAULT '',
    date_order TEXT NOT NULL DEFAULT '', number_order TEXT NOT NULL DEFAULT '', text TEXT NOT NULL DEFAULT '',
    partner_id INTEGER, partner TEXT NOT NULL DEFAULT '{}', payment_type TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT '', rate TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL DEFAULT 1,
    total TEXT NOT NULL DEFAULT '0', total_foreign TEXT NOT NULL DEFAULT '',
    to_pay TEXT NOT NULL DEFAULT '0', last_paid TEXT NOT NULL DEFAULT '', order_id INTEGER,
    ext_ids TEXT NOT NULL DEFAULT '', ext_system TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL, changed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment (
    id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL, date TEXT NOT NULL, amount TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS receipt (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, date TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',
    total TEXT NOT NULL DEFAULT '0', created TEXT NOT NULL, changed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_item (
    id INTEGER PRIMARY KEY, agenda TEXT NOT NULL, doc_id INTEGER NOT NULL, pos INTEGER NOT NULL,
    text TEXT NOT NULL DEFAULT '', quantity TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',
    pay_vat INTEGER NOT NULL DEFAULT 0, rate_vat TEXT NOT NULL DEFAULT 'none', discount TEXT NOT NULL DEFAULT '0',
    unit_price TEXT NOT NULL DEFAULT '0', price TEXT NOT NULL DEFAULT '0', price_vat TEXT NOT NULL DEFAULT '0',
    price_sum TEXT NOT NULL DEFAULT '0', f_unit_price TEXT NOT NULL DEFAULT '', f_price_sum TEXT NOT NULL DEFAULT '',
    stock_id INTEGER, code TEXT NOT NULL DEFAULT '', store TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', source_item_id INTEGER
);
CREATE INDEX IF NOT EXISTS doc_item_doc ON doc_item (agenda, doc_id);
CREATE TABLE IF NOT EXISTS duplicity (
    pack_id TEXT NOT NULL, item_id TEXT NOT NULL, agenda TEXT NOT NULL, record_id INTEGER,
    number TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, PRIMARY KEY (pack_id, item_id)
);
CREATE TABLE IF NOT EXISTS series (prefix TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS order_extra (
    order_id INTEGER PRIMARY KEY, is_delivered INTEGER NOT NULL DEFAULT 0, carrier TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS credit_note (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, invoice_id INTEGER, invoice_number TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL, text TEXT NOT NULL DEFAULT '', number_order TEXT NOT NULL DEFAULT '',
    sym_var TEXT NOT NULL DEFAULT '', accounting TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT '', rate TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL DEFAULT 1,
    total TEXT NOT NULL DEFAULT '0', total_foreign TEXT NOT NULL DEFAULT '',
    ext_ids TEXT NOT NULL DEFAULT '', ext_system TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, changed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deleted_order (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL, number_order TEXT NOT NULL DEFAULT '', deleted TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_vat (
    agenda TEXT NOT NULL, doc_id INTEGER NOT NULL, moss TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '[]',
    period TEXT NOT NULL DEFAULT '', classification TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (agenda, doc_id)
);
CREATE TABLE IF NOT EXISTS invoice_kind (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL DEFAULT 'issuedInvoice', deducted TEXT NOT NULL DEFAULT '0'
);
"""

TABLES = ("stock", "price_level", "address", "received_order", "issued_invoice", "payment", "receipt",
          "doc_item", "duplicity", "series", "credit_note", "deleted_order", "doc_vat", "invoice_kind",
          "order_extra")


def now_text(moment: datetime | None = None) -> str:
    """Local time as sortable ISO text with microseconds (the ``changed`` column format)."""
    return (moment or datetime.now()).isoformat(timespec="microseconds")


class MServerStore:
    """The emulator's company database: a thin, locked wrapper over sqlite3."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.create_function("cf", 1, lambda s: (s or "").casefold(), deterministic=True)
        self.conn.executescript(SCHEMA)
        self._last_changed: datetime | None = None
        self._batch = False  #: inside batch(): transaction() makes savepoints

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    # ------------------------------------------------------------------ generic access

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit (an item of a pack, or an admin call); rolls back on error.

        Inside :meth:`batch` it is a savepoint: its error undoes only its own changes.
        """
        with self.lock:
            if self._batch:
                self.conn.execute("SAVEPOINT unit")
                try:
                    yield self.conn
                except BaseException:
                    self.conn.execute("ROLLBACK TO unit")
                    self.conn.execute("RELEASE unit")
                    raise
                self.conn.execute("RELEASE unit")
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many units (the items of one pack) committed together; each unit stays atomic on its own.

        What the finished units did is committed even when the batch ends with an exception, as
        if each had been committed on its own (a failing unit has already rolled itself back).
        """
        with self.lock:
            if self._batch:
                yield
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._batch = True
            try:
                yield
            finally:
                self._batch = False
                self.conn.execute("COMMIT")

    def stamp(self) -> str:
        """A ``changed`` value strictly greater than the previous one handed out."""
        with self.lock:
            value = datetime.now()
            if self._last_changed is not None and value <= self._last_changed:
                value = self._last_changed + timedelta(microseconds=1)
            self._last_changed = value
            return now_text(value)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def iterate(self, sql: str, params: Sequence[Any] = (), batch: int = 2000) -> Iterator[sqlite3.Row]:
        """Rows of a query fetched in batches (bounded memory for big lists)."""
        with self.lock:
            cursor = self.conn.execute(sql, params)
            while True:
                rows = cursor.fetchmany(batch)
                if not rows:
                    return
                yield from rows

    def insert(self, table: str, **cols: Any) -> int:
        """Insert one row; returns its id."""
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        with self.lock:
            cur = self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(cols.values()))  # noqa: S608
            return int(cur.lastrowid or 0)

    def update(self, table: str, row_id: int, **cols: Any) -> None:
        """Update columns of the row with ``id = row_id``."""
        assignments = ", ".join(f"{k} = ?" for k in cols)
        with self.lock:
            self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*cols.values(), row_id))  # noqa: S608

    def next_number(self, prefix: str, table: str) -> str:
        """Next free document number of the series ``prefix`` + 5 digits (e.g. ``26OP00001``)."""
        with self.lock:
            row = self.conn.execute("SELECT last FROM series WHERE prefix = ?", (prefix,)).fetchone()
            last = row["last"] if row else 0
            while True:
                last += 1
                number = f"{prefix}{last:05d}"
                taken = self.conn.execute(f"SELECT 1 FROM {table} WHERE number = ?", (number,)).fetchone()  # noqa: S608
                if not taken:
                    break
            self.conn.execute(
                "INSERT INTO series (prefix, last) VALUES (?, ?) ON CONFLICT(prefix) DO UPDATE SET last = ?",
                (prefix, last, last),
            )
            return number

    def wipe(self) -> None:
        """Delete every record of every table."""
        with self.transaction() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608

    # ------------------------------------------------------------------ seeding

    def stock_count(self) -> int:
        """Number of stock rows (one per code and store)."""
        row = self.one("SELECT COUNT(*) AS n FROM stock")
        return int(row["n"]) if row else 0

    def seed_stock(self, cards: Iterable[CatalogueCard]) -> int:
        """Insert catalogue cards, one row per (code, store), with ``executemany``.

        The first store keeps the catalogue id; further stores of the same
        code get ids after the last catalogue id. Returns the rows inserted.
        """
        cards = list(cards)
        changed = self.stamp()
        next_id = max((c.id for c in cards), default=0)
        rows: list[tuple[Any, ...]] = []
        levels: list[tuple[Any, ...]] = []
        for card in cards:
            for index, (store, quantity) in enumerate(card.stores):
                if index == 0:
                    row_id = card.id
                else:
                    next_id += 1
                    row_id = next_id
                rows.append((
                    row_id, card.code, store, card.ean, card.name, card.unit, card.storage, "SK", "card",
                    card.vat_rate, str(card.price_excl), 0, int(card.is_internet), str(quantity), changed,
                ))
                if card.id % 5 == 0:
                    levels.append((row_id, "Velkoobchod", str((card.price_excl * Decimal("0.9")).quantize(Decimal("0.01")))))
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO stock (id, code, store, ean, name, unit, storage, type_price, stock_type, vat_rate,"
                " price, price_vat, is_internet, count, changed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            conn.executemany("INSERT INTO price_level (stock_id, name, price) VALUES (?,?,?)", levels)
        return len(rows)

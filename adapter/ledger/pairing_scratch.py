"""The streamed pairing's temporary tables and every statement run on them.

:class:`~adapter.sync.pairing.stream.ScratchPairing` decides what is paired;
this module stores and reads its rows. Four ``temp`` tables of the ledger's
connection (SQLite's temp database: a file with a small page cache of its own):

* ``pair_card`` — one row per listed card with a code, in listing order;
* ``pair_product`` — one row per shop product (variable parents left out), in listing order;
* ``pair_info`` — the cards folded per normalised code (one row per code, written by the caller);
* ``pair_ean`` — with the EAN fallback, the EANs held by exactly one code.

Rows go in and come out as plain tuples in the column order given with each
method, a chunk at a time (``executemany`` over the caller's iterator, ``fetchmany``
on the way out), so no catalogue is held in memory whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from adapter.ledger.models import database
from adapter.ledger.scratch import TempTables

#: rows per INSERT and per fetch
CHUNK = 2000
#: the temp database's page cache (KiB, SQLite's negative form): small, its pages spill to a file
CACHE_KIB = 4096

#: (key, code, id, name, ean, internet, store, qty, extra): one listed card, ``key`` its normalised code
CardRow = tuple[Any, ...]
#: (id, parent, kind, sku, key, name, ean, manage, qty, regular, sale): one shop product, ``key`` its normalised SKU
ProductRow = tuple[Any, ...]
#: (key, seq, code, id, name, ean, stores, internet, cards, multi, counted, qty, extra): one code's cards folded
CodeRow = tuple[Any, ...]
#: (code, id, name, ean, stores, internet, cards, counted, qty, extra) of a code, or ten Nones
CodeInfo = tuple[Any, ...]

_INFO = "i.code, i.id, i.name, i.ean, i.stores, i.internet, i.cards, i.counted, i.qty, i.extra"


def _insert(sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """``executemany`` a chunk at a time over ``rows`` (an iterator is consumed as it goes)."""
    cursor = database.cursor()  # type: ignore[no-untyped-call,unused-ignore]
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        cursor.executemany(sql, chunk)


def _fetch(sql: str) -> Iterator[tuple[Any, ...]]:
    cursor = database.execute_sql(sql)
    while chunk := cursor.fetchmany(CHUNK):
        yield from chunk


class PairingScratch(TempTables):
    """The streamed pairing's tables (created on enter, dropped on exit); ``ean_fallback`` as the pairing's."""

    TABLES = ("pair_card", "pair_product", "pair_info", "pair_ean")
    SCHEMA = (
        "CREATE TEMP TABLE pair_card (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, code TEXT, id INTEGER, name TEXT,"
        " ean TEXT, internet INTEGER, store TEXT, qty TEXT, extra TEXT)",
        "CREATE TEMP TABLE pair_product (seq INTEGER PRIMARY KEY, id INTEGER, parent INTEGER, kind TEXT, sku TEXT,"
        " key TEXT, name TEXT, ean TEXT, manage INTEGER, qty TEXT, regular TEXT, sale TEXT)",
        "CREATE TEMP TABLE pair_info (key TEXT PRIMARY KEY, seq INTEGER, code TEXT, id INTEGER, name TEXT, ean TEXT,"
        " stores TEXT, internet INTEGER, cards INTEGER, multi INTEGER, counted INTEGER, qty TEXT, extra TEXT)",
        "CREATE TEMP TABLE pair_ean (ean TEXT PRIMARY KEY, key TEXT)",
    )
    PRAGMAS = (f"PRAGMA temp.cache_size = -{CACHE_KIB:d}",)

    def __init__(self, *, ean_fallback: bool) -> None:
        self.ean_fallback = ean_fallback

    # ------------------------------------------------------------------ the listings

    def add_cards(self, rows: Iterable[CardRow]) -> None:
        """Store listed cards (:data:`CardRow`), in the order given."""
        _insert("INSERT INTO temp.pair_card (key, code, id, name, ean, internet, store, qty, extra)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def add_products(self, rows: Iterable[ProductRow]) -> None:
        """Store shop products (:data:`ProductRow`), in the order given."""
        _insert("INSERT INTO temp.pair_product (id, parent, kind, sku, key, name, ean, manage, qty, regular, sale)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    # ------------------------------------------------------------------ the codes

    def cards_by_code(self) -> Iterator[tuple[Any, ...]]:
        """Every stored card as (key, seq, code, id, name, ean, internet, store, qty, extra), by key then listing order."""
        return _fetch("SELECT key, seq, code, id, name, ean, internet, store, qty, extra"  # one sort, no index
                      " FROM temp.pair_card ORDER BY key, seq")

    def add_codes(self, rows: Iterable[CodeRow]) -> None:
        """Store the folded codes (:data:`CodeRow`), then index both sides for the joins (and, with the EAN
        fallback, note the EANs held by exactly one code)."""
        _insert("INSERT INTO temp.pair_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        database.execute_sql("CREATE INDEX temp.pair_info_seq ON pair_info (seq)")
        database.execute_sql("CREATE INDEX temp.pair_product_key ON pair_product (key)")
        if self.ean_fallback:
            database.execute_sql("INSERT INTO temp.pair_ean SELECT ean, MIN(key) FROM temp.pair_info WHERE ean != ''"
                                 " GROUP BY ean HAVING COUNT(*) = 1")

    # ------------------------------------------------------------------ the joins

    def products_joined(self) -> Iterator[tuple[Any, ...]]:
        """Every product in listing order with what it pairs to, as 31 columns:

        (id, parent, kind, sku, name, ean, manage, qty, regular, sale) of the product, then
        the number of products with its normalised SKU (0 without SKU), then the
        :data:`CodeInfo` of the code its SKU names, then the :data:`CodeInfo` of the
        code its EAN alone names (Nones without the EAN fallback or with a SKU match).
        """
        ean_join = ("LEFT JOIN temp.pair_ean u ON i.key IS NULL AND p.ean != '' AND u.ean = p.ean"
                    " LEFT JOIN temp.pair_info e ON e.key = u.key") if self.ean_fallback else ""
        ean_cols = _INFO.replace("i.", "e.") if self.ean_fallback else ", ".join(["NULL"] * 10)
        return _fetch(
            f"SELECT p.id, p.parent, p.kind, p.sku, p.name, p.ean, p.manage, p.qty, p.regular, p.sale,"  # noqa: S608
            f" (SELECT COUNT(*) FROM temp.pair_product q WHERE q.key = p.key AND p.key != ''), {_INFO}, {ean_cols}"
            f" FROM temp.pair_product p LEFT JOIN temp.pair_info i ON p.key != '' AND i.key = p.key {ean_join}"
            " ORDER BY p.seq")

    def codes_unused(self) -> Iterator[CodeInfo]:
        """The :data:`CodeInfo` of every code no product points to (by SKU, or by EAN with the fallback), in
        the order their first card was listed."""
        used_by_ean = ("OR EXISTS (SELECT 1 FROM temp.pair_ean u JOIN temp.pair_product p ON p.ean = u.ean"
                       " WHERE u.key = i.key AND p.ean != '' AND NOT EXISTS"
                       " (SELECT 1 FROM temp.pair_info j WHERE p.key != '' AND j.key = p.key))") if self.ean_fallback else ""
        return _fetch(f"SELECT {_INFO} FROM temp.pair_info i WHERE NOT (EXISTS"  # noqa: S608
                      f" (SELECT 1 FROM temp.pair_product p WHERE p.key = i.key) {used_by_ean}) ORDER BY i.seq")

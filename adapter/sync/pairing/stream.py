"""Pairing of a whole catalogue on disk: both listings in temporary SQLite tables, paired with SQL.

The full stock run and the pairing refresh read every POHODA card and every
shop product. Held as Python objects, both catalogues cost memory in
proportion to their size (hundreds of MB at 500,000 cards); here each card
and product is written to a temporary table of the ledger's connection as it
arrives, the cards are folded per normalised code by one ordered pass, and
the products are paired by joins, one row at a time. Only a chunk of rows is
alive at once, whatever the catalogue's size. The rule is
:func:`~adapter.sync.pairing.match.judge`, the same as :func:`~adapter.sync.pairing.match.pair`'s.

Besides what pairing needs, each card may carry its stock: the quantity it
adds to its code (None when it does not count) and an opaque text (the stock
job's prices) kept from the first card that counts.

The temporary tables live in SQLite's temp database (a file, not memory, and
a small page cache of its own); they are dropped by :meth:`ScratchPairing.close`
and die with the connection in any case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from adapter.ledger import database
from adapter.ledger.scratch import TempTables
from adapter.records import Product, StockCard
from adapter.sync.pairing.match import STATUS_TITLES, CardInfo, PairRow, judge, normalise

#: rows per INSERT and per fetch
CHUNK = 2000
#: the temp database's page cache (KiB, SQLite's negative form): small, its pages spill to a file
CACHE_KIB = 4096

#: a card's stock for the code, given the card and its warehouse: (quantity it adds or None when it does not
#: count, opaque text of the first that counts)
CardStock = Callable[[StockCard, str], tuple[Decimal | None, str]]

_TABLES = ("pair_card", "pair_product", "pair_info", "pair_ean")
_SCHEMA = (
    "CREATE TEMP TABLE pair_card (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, code TEXT, id INTEGER, name TEXT,"
    " ean TEXT, internet INTEGER, store TEXT, qty TEXT, extra TEXT)",
    "CREATE TEMP TABLE pair_product (seq INTEGER PRIMARY KEY, id INTEGER, parent INTEGER, kind TEXT, sku TEXT,"
    " key TEXT, name TEXT, ean TEXT, manage INTEGER, qty TEXT, regular TEXT, sale TEXT)",
    "CREATE TEMP TABLE pair_info (key TEXT PRIMARY KEY, seq INTEGER, code TEXT, id INTEGER, name TEXT, ean TEXT,"
    " stores TEXT, internet INTEGER, cards INTEGER, multi INTEGER, counted INTEGER, qty TEXT, extra TEXT)",
    "CREATE TEMP TABLE pair_ean (ean TEXT PRIMARY KEY, key TEXT)",
)
_SEP = "\x1f"  #: between warehouse codes in pair_info.stores


@dataclass(frozen=True, slots=True)
class CodeTotal:
    """The stock of one normalised code: its cards that count, their quantities summed, the first one's text."""

    counted: int = 0
    quantity: Decimal = Decimal(0)
    extra: str = ""


@dataclass(frozen=True, slots=True)
class StreamedRow:
    """One report row as the pass yields it, with the stock of the code it pairs to."""

    row: PairRow
    stock: CodeTotal | None = None  #: None when the row links no code


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class ScratchPairing(TempTables):
    """Cards and products written to disk as they arrive; :meth:`rows` pairs them (see the module docstring)."""

    TABLES, SCHEMA, PRAGMAS = _TABLES, _SCHEMA, (f"PRAGMA temp.cache_size = -{CACHE_KIB:d}",)

    def __init__(self, *, case_sensitive: bool, ean_fallback: bool, card_stock: CardStock | None = None) -> None:
        self.case_sensitive = case_sensitive
        self.ean_fallback = ean_fallback
        self.card_stock = card_stock
        self.cards = 0  #: cards listed
        self.products = 0  #: shop products listed (variable parents too, though they pair with nothing)
        self.counts: dict[str, int] = dict.fromkeys(STATUS_TITLES, 0)
        self.multi_codes: set[str] = set()  #: normalised codes held by several cards
        self._grouped = False

    def _insert(self, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
        cursor = database.cursor()  # type: ignore[no-untyped-call,unused-ignore]
        while chunk := list(islice(rows, CHUNK)):
            cursor.executemany(sql, chunk)

    # ------------------------------------------------------------------ filling

    def add_cards(self, cards: Iterable[StockCard]) -> None:
        """Write listed cards (a card without code is counted but pairs with nothing)."""
        self.add_listed(("", card) for card in cards)

    def add_listed(self, listed: Iterable[tuple[str, StockCard]]) -> None:
        """Write listed cards as (the warehouse they were listed in, or "" for the card's own; card)."""
        self._insert("INSERT INTO temp.pair_card (key, code, id, name, ean, internet, store, qty, extra)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._card_rows(listed))

    def _card_rows(self, listed: Iterable[tuple[str, StockCard]]) -> Iterator[tuple[Any, ...]]:
        stock_of = self.card_stock
        case_sensitive = self.case_sensitive
        for store, card in listed:
            self.cards += 1
            key = normalise(card.code, case_sensitive=case_sensitive)
            if not key:
                continue
            store = store or card.store
            quantity, extra = stock_of(card, store) if stock_of is not None else (None, "")
            yield (key, card.code, card.id, card.name, card.ean, card.is_internet, store, _text(quantity), extra)

    def add_products(self, products: Iterable[Product]) -> None:
        """Write shop products (variable parents carry no stock of their own and are left out)."""
        self._insert("INSERT INTO temp.pair_product (id, parent, kind, sku, key, name, ean, manage, qty, regular, sale)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._product_rows(products))

    def _product_rows(self, products: Iterable[Product]) -> Iterator[tuple[Any, ...]]:
        for p in products:
            self.products += 1
            if p.kind == "variable":
                continue
            sku = p.sku.strip()
            yield (p.id, p.parent_id, p.kind, sku, normalise(sku, case_sensitive=self.case_sensitive), p.name[:255],
                   p.ean.strip(), p.manage_stock, _text(p.stock_quantity), _text(p.regular_price), _text(p.sale_price))

    # ------------------------------------------------------------------ folding the cards per code

    def group(self) -> None:
        """Fold the cards into one row per normalised code (as :class:`~adapter.sync.pairing.match.CardGrouper`)."""
        if self._grouped:
            return
        self._grouped = True
        read = self._fetch("SELECT key, seq, code, id, name, ean, internet, store, qty, extra"  # one sort, no index
                           " FROM temp.pair_card ORDER BY key, seq")
        self._insert("INSERT INTO temp.pair_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._folded(read))
        database.execute_sql("CREATE INDEX temp.pair_info_seq ON pair_info (seq)")
        database.execute_sql("CREATE INDEX temp.pair_product_key ON pair_product (key)")
        if self.ean_fallback:  # EANs held by exactly one code
            database.execute_sql("INSERT INTO temp.pair_ean SELECT ean, MIN(key) FROM temp.pair_info WHERE ean != ''"
                                 " GROUP BY ean HAVING COUNT(*) = 1")

    def _folded(self, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        current: list[Any] | None = None
        for row in rows:
            if current is not None and row[0] != current[0]:
                yield self._info(current)
                current = None
            if current is None:
                # key, seq, code, id, name, ean, internet, stores, rows, first id, other ids, counted, total, extra
                current = [*row[:7], [row[7]] if row[7] else [], 1, row[3], set(), 0, Decimal(0), ""]
            else:
                self._fold(current, row)
            if row[8] is not None:
                current[11] += 1
                current[12] += Decimal(row[8])
                if current[11] == 1:
                    current[13] = row[9] or ""
        if current is not None:
            yield self._info(current)

    @staticmethod
    def _fold(current: list[Any], row: tuple[Any, ...]) -> None:
        """One more card of the code: count it, note its warehouse; an Internet card describes the code best."""
        current[8] += 1
        if row[3] != current[9]:
            current[10].add(row[3])
        if row[7] and row[7] not in current[7]:
            current[7].append(row[7])
        if row[6] and not current[6]:
            current[2:7] = row[2:7]

    def _info(self, c: list[Any]) -> tuple[Any, ...]:
        key, seq, code, card_id, name, ean, internet, stores, rows, first_id, others, counted, total, extra = c
        cards = 1 if rows == 1 else max(1 + len(others - {first_id}), len(stores), 1)
        if rows > 1:
            self.multi_codes.add(key)
        return (key, seq, code.strip(), card_id, name, ean.strip(), _SEP.join(stores), internet, cards, rows > 1,
                counted, str(total), extra)

    # ------------------------------------------------------------------ pairing

    _INFO = "i.code, i.id, i.name, i.ean, i.stores, i.internet, i.cards, i.counted, i.qty, i.extra"

    def rows(self) -> Iterator[StreamedRow]:
        """Every report row: the products in listing order, then the codes no product points to."""
        self.group()
        yield from self._product_pass()
        yield from self._pohoda_only()

    def _fetch(self, sql: str) -> Iterator[tuple[Any, ...]]:
        cursor = database.execute_sql(sql)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk

    def _product_pass(self) -> Iterator[StreamedRow]:
        ean_join = ("LEFT JOIN temp.pair_ean u ON i.key IS NULL AND p.ean != '' AND u.ean = p.ean"
                    " LEFT JOIN temp.pair_info e ON e.key = u.key") if self.ean_fallback else ""
        ean_cols = self._INFO.replace("i.", "e.") if self.ean_fallback else ", ".join(["NULL"] * 10)
        sql = (f"SELECT p.id, p.parent, p.kind, p.sku, p.name, p.ean, p.manage, p.qty, p.regular, p.sale,"  # noqa: S608
               f" (SELECT COUNT(*) FROM temp.pair_product q WHERE q.key = p.key AND p.key != ''), {self._INFO}, {ean_cols}"
               f" FROM temp.pair_product p LEFT JOIN temp.pair_info i ON p.key != '' AND i.key = p.key {ean_join}"
               " ORDER BY p.seq")
        for r in self._fetch(sql):
            product = Product(id=r[0], parent_id=r[1], kind=r[2], sku=r[3], name=r[4], ean=r[5], manage_stock=bool(r[6]),
                              stock_quantity=_dec(r[7]), regular_price=_dec(r[8]), sale_price=_dec(r[9]))
            matched_by, found = ("sku", r[11:21]) if r[11] is not None else ("ean", r[21:31])
            info, stock = self._card(found)
            row = judge(product, info, matched_by if info else "", same_sku=r[10])
            self.counts[row.status] += 1
            yield StreamedRow(row, stock if row.code else None)

    def _card(self, r: tuple[Any, ...]) -> tuple[CardInfo | None, CodeTotal | None]:
        if r[0] is None:
            return None, None
        code, card_id, name, ean, stores, internet, cards, counted, qty, extra = r
        info = CardInfo(code=code, id=card_id, name=name, ean=ean, stores=tuple(stores.split(_SEP)) if stores else (),
                        is_internet=bool(internet), cards=cards)
        return info, CodeTotal(counted, Decimal(qty), extra)

    def _pohoda_only(self) -> Iterator[StreamedRow]:
        used_by_ean = ("OR EXISTS (SELECT 1 FROM temp.pair_ean u JOIN temp.pair_product p ON p.ean = u.ean"
                       " WHERE u.key = i.key AND p.ean != '' AND NOT EXISTS"
                       " (SELECT 1 FROM temp.pair_info j WHERE p.key != '' AND j.key = p.key))") if self.ean_fallback else ""
        sql = (f"SELECT {self._INFO} FROM temp.pair_info i WHERE NOT (EXISTS"  # noqa: S608
               f" (SELECT 1 FROM temp.pair_product p WHERE p.key = i.key) {used_by_ean}) ORDER BY i.seq")
        for r in self._fetch(sql):
            info, _stock = self._card(r)
            assert info is not None
            self.counts["pohoda_only"] += 1
            yield StreamedRow(PairRow("pohoda_only", None, info, info.code))

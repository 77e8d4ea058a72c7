"""Pairing of a whole catalogue on disk: both listings in temporary tables of the ledger, paired by joins.

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

The tables and their statements are the ledger's
(:class:`~adapter.ledger.pairing_scratch.PairingScratch`: SQLite's temp
database, a file with a small page cache of its own); they are dropped by
:meth:`ScratchPairing.close` and die with the connection in any case. This
module is the rule's side: what each row is, how cards fold per code, how a
product is judged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from adapter.ledger.pairing_scratch import CardRow, CodeInfo, CodeRow, PairingScratch, ProductRow
from adapter.ledger.scratch import InTempTables
from adapter.records import Product, StockCard
from adapter.sync.pairing.match import STATUS_TITLES, CardInfo, PairRow, judge, normalise

#: a card's stock for the code, given the card and its warehouse: (quantity it adds or None when it does not
#: count, opaque text of the first that counts)
CardStock = Callable[[StockCard, str], tuple[Decimal | None, str]]

_SEP = "\x1f"  #: between warehouse codes of a code's stored stores


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


class ScratchPairing(InTempTables[PairingScratch]):
    """Cards and products written to disk as they arrive; :meth:`rows` pairs them (see the module docstring).

    A context manager: the temporary tables (:class:`~adapter.ledger.pairing_scratch.PairingScratch`) exist
    between enter and exit.
    """

    def __init__(self, *, case_sensitive: bool, ean_fallback: bool, card_stock: CardStock | None = None) -> None:
        self.case_sensitive = case_sensitive
        self.ean_fallback = ean_fallback
        self.card_stock = card_stock
        self.cards = 0  #: cards listed
        self.products = 0  #: shop products listed (variable parents too, though they pair with nothing)
        self.counts: dict[str, int] = dict.fromkeys(STATUS_TITLES, 0)
        self.multi_codes: set[str] = set()  #: normalised codes held by several cards
        self._tables = PairingScratch(ean_fallback=ean_fallback)
        self._grouped = False

    # ------------------------------------------------------------------ filling

    def add_cards(self, cards: Iterable[StockCard]) -> None:
        """Write listed cards (a card without code is counted but pairs with nothing)."""
        self.add_listed(("", card) for card in cards)

    def add_listed(self, listed: Iterable[tuple[str, StockCard]]) -> None:
        """Write listed cards as (the warehouse they were listed in, or "" for the card's own; card)."""
        self._tables.add_cards(self._card_rows(listed))

    def _card_rows(self, listed: Iterable[tuple[str, StockCard]]) -> Iterator[CardRow]:
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
        self._tables.add_products(self._product_rows(products))

    def _product_rows(self, products: Iterable[Product]) -> Iterator[ProductRow]:
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
        self._tables.add_codes(self._folded(self._tables.cards_by_code()))

    def _folded(self, rows: Iterator[tuple[Any, ...]]) -> Iterator[CodeRow]:
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

    def _info(self, c: list[Any]) -> CodeRow:
        key, seq, code, card_id, name, ean, internet, stores, rows, first_id, others, counted, total, extra = c
        cards = 1 if rows == 1 else max(1 + len(others - {first_id}), len(stores), 1)
        if rows > 1:
            self.multi_codes.add(key)
        return (key, seq, code.strip(), card_id, name, ean.strip(), _SEP.join(stores), internet, cards, rows > 1,
                counted, str(total), extra)

    # ------------------------------------------------------------------ pairing

    def rows(self) -> Iterator[StreamedRow]:
        """Every report row: the products in listing order, then the codes no product points to."""
        self.group()
        yield from self._product_pass()
        yield from self._pohoda_only()

    def _product_pass(self) -> Iterator[StreamedRow]:
        """Each product judged against the code its SKU (or, failing that, its EAN) names."""
        for r in self._tables.products_joined():
            product = Product(id=r[0], parent_id=r[1], kind=r[2], sku=r[3], name=r[4], ean=r[5], manage_stock=bool(r[6]),
                              stock_quantity=_dec(r[7]), regular_price=_dec(r[8]), sale_price=_dec(r[9]))
            matched_by, found = ("sku", r[11:21]) if r[11] is not None else ("ean", r[21:31])
            info, stock = self._card(found)
            row = judge(product, info, matched_by if info else "", same_sku=r[10])
            self.counts[row.status] += 1
            yield StreamedRow(row, stock if row.code else None)

    def _card(self, r: CodeInfo) -> tuple[CardInfo | None, CodeTotal | None]:
        if r[0] is None:
            return None, None
        code, card_id, name, ean, stores, internet, cards, counted, qty, extra = r
        info = CardInfo(code=code, id=card_id, name=name, ean=ean, stores=tuple(stores.split(_SEP)) if stores else (),
                        is_internet=bool(internet), cards=cards)
        return info, CodeTotal(counted, Decimal(qty), extra)

    def _pohoda_only(self) -> Iterator[StreamedRow]:
        """The codes no product points to, in the order their first card was listed."""
        for r in self._tables.codes_unused():
            info, _stock = self._card(r)
            assert info is not None
            self.counts["pohoda_only"] += 1
            yield StreamedRow(PairRow("pohoda_only", None, info, info.code))

"""Pairing of e-shop products with POHODA stock cards (párování) — pure logic.

Rule: POHODA code = shop SKU (both trimmed; compared case-insensitively
unless ``case_sensitive``), with the EAN as an optional fallback. Variable
parents carry no stock of their own and are left out; their variations pair
by their own SKU.

Every product and every card ends in exactly one row:

* ``paired`` — the SKU (or EAN) found exactly one POHODA code;
* ``conflict`` — something a person should look at: a duplicate SKU in the
  shop, a code held in several warehouses, an EAN that disagrees, or a
  product without SKU. Conflict rows whose code is still unambiguous keep
  it (``code`` is set), so orders and stock still work while the conflict
  is shown;
* ``eshop_only`` — a shop SKU POHODA does not know;
* ``pohoda_only`` — a card no shop product points to.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from adapter.records import Product, StockCard

Status = Literal["paired", "conflict", "eshop_only", "pohoda_only"]

STATUS_TITLES: dict[str, str] = {
    "paired": "Spárováno",
    "conflict": "Konflikt",
    "eshop_only": "Jen v e-shopu",
    "pohoda_only": "Jen v POHODĚ",
}


def normalise(sku: str, *, case_sensitive: bool = False) -> str:
    """The comparison key of a SKU or code."""
    sku = sku.strip()
    if case_sensitive:
        return sku
    upper = sku.upper()
    return sku if upper == sku else upper  # the same string object when nothing changes: 100,000 keys share it


@dataclass(frozen=True, slots=True)
class CardInfo:
    """One POHODA code with its warehouses (a code may sit in several)."""

    code: str
    id: int
    name: str
    ean: str
    stores: tuple[str, ...]
    is_internet: bool
    cards: int = 1  #: how many stock cards (one per warehouse) carry this code


@dataclass(frozen=True, slots=True)
class PairRow:
    """One row of the pairing report."""

    status: Status
    product: Product | None = None
    card: CardInfo | None = None
    code: str | None = None  #: the POHODA code the product pairs to (also for resolvable conflicts)
    matched_by: str = ""  #: "sku" or "ean"
    conflict: str = ""  #: Czech reason


@dataclass
class PairingResult:
    """The outcome of one pairing: rows plus fast lookups."""

    case_sensitive: bool
    rows: list[PairRow] = field(default_factory=list)
    by_product: dict[int, str] = field(default_factory=dict)  #: product id → POHODA code
    by_sku: dict[str, str] = field(default_factory=dict)  #: normalised SKU → POHODA code
    cards: dict[str, CardInfo] = field(default_factory=dict)  #: normalised code → card

    def counts(self) -> dict[str, int]:
        """How many rows of each status."""
        c: Counter[str] = Counter(r.status for r in self.rows)
        return {s: c[s] for s in STATUS_TITLES}

    def code_for(self, *, sku: str = "", product_id: int | None = None) -> str | None:
        """The POHODA code for a product id or SKU, or None when unpaired."""
        if product_id is not None and product_id in self.by_product:
            return self.by_product[product_id]
        if sku:
            return self.by_sku.get(normalise(sku, case_sensitive=self.case_sensitive))
        return None


class CardGrouper:
    """Folds stock list rows into one :class:`CardInfo` per code, card by card (streaming).

    Holds only a few fields per code, never the listed cards, so a listing
    of 100,000 cards can be folded as it is read. :func:`group_cards` is
    the same for a ready list.
    """

    def __init__(self, *, case_sensitive: bool = False) -> None:
        self.case_sensitive = case_sensitive
        #: key → (code, id, name, ean, is_internet, store) while one card has the code, then
        #: [code, id, name, ean, is_internet, stores, first id, other ids, rows]
        self._entries: dict[str, tuple[Any, ...] | list[Any]] = {}

    def add(self, card: StockCard) -> str:
        """Fold one card in; returns its normalised code ("" = a card without code, left out)."""
        key = normalise(card.code, case_sensitive=self.case_sensitive)
        if not key:
            return ""
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = (card.code, card.id, card.name, card.ean, card.is_internet, card.store)
            return key
        if isinstance(entry, tuple):
            code, card_id, name, ean, internet, store = entry
            entry = [code, card_id, name, ean, internet, (store,) if store else (), card_id, set(), 1]
            self._entries[key] = entry
        entry[8] += 1
        if card.id != entry[6]:
            entry[7].add(card.id)
        if card.store and card.store not in entry[5]:
            entry[5] = (*entry[5], card.store)
        if card.is_internet and not entry[4]:  # an Internet card describes the code best
            entry[:5] = [card.code, card.id, card.name, card.ean, card.is_internet]
        return key

    def result(self) -> dict[str, CardInfo]:
        """One CardInfo per normalised code, in listing order (the grouper is emptied)."""
        out: dict[str, CardInfo] = {}
        for key, entry in self._entries.items():
            if isinstance(entry, tuple):
                code, card_id, name, ean, internet, store = entry
                out[key] = CardInfo(code=code.strip(), id=card_id, name=name, ean=ean.strip(),
                                    stores=(store,) if store else (), is_internet=internet, cards=1)
                continue
            code, card_id, name, ean, internet, stores, first_id, others, _rows = entry
            ids = 1 + len(others - {first_id})
            out[key] = CardInfo(code=code.strip(), id=card_id, name=name, ean=ean.strip(), stores=stores,
                                is_internet=internet, cards=max(ids, len(stores), 1))
        self._entries = {}
        return out


def group_cards(cards: Iterable[StockCard], *, case_sensitive: bool = False) -> dict[str, CardInfo]:
    """Fold stock list rows (one card per code and warehouse) into one CardInfo per code.

    A listing without a warehouse filter cannot say which warehouse a card is
    in (``stk:stockHeader`` has no such element), so several cards with one
    code are counted by their ids.
    """
    grouper = CardGrouper(case_sensitive=case_sensitive)
    for card in cards:
        grouper.add(card)
    return grouper.result()


def judge(product: Product, info: CardInfo | None, matched_by: str, *, same_sku: int) -> PairRow:
    """The report row of one product: ``info`` is the card its SKU (or EAN) found, ``same_sku`` how many
    shop products carry its SKU; see the module docstring for the statuses."""
    sku = product.sku.strip()
    problems: list[str] = []
    if not sku:
        problems.append("produkt nemá SKU (kód)")
    if sku and same_sku > 1:
        problems.append(f"SKU „{sku}“ má v e-shopu {same_sku} produktů")
    if info is None:
        if problems:
            return PairRow("conflict", product, None, None, "", "; ".join(problems))
        return PairRow("eshop_only", product)
    if info.cards > 1:
        where = f" ({', '.join(info.stores)})" if len(info.stores) > 1 else f" ({info.cards} karty)"
        problems.append(f"kód „{info.code}“ je ve více skladech POHODY{where}")
    ean = product.ean.strip()
    if ean and info.ean and ean != info.ean:
        problems.append(f"EAN nesouhlasí (e-shop {ean}, POHODA {info.ean})")
    status: Status = "conflict" if problems else "paired"
    return PairRow(status, product, info, info.code, matched_by, "; ".join(problems))


def pair(
    cards: Iterable[StockCard] | dict[str, CardInfo],
    products: Iterable[Product],
    *,
    case_sensitive: bool = False,
    ean_fallback: bool = False,
) -> PairingResult:
    """Pair shop products with POHODA cards; see the module docstring for the rules."""
    by_code = cards if isinstance(cards, dict) else group_cards(cards, case_sensitive=case_sensitive)
    by_ean: dict[str, list[CardInfo]] = defaultdict(list)
    if ean_fallback:
        for info in by_code.values():
            if info.ean:
                by_ean[info.ean].append(info)
    items = [p for p in products if p.kind != "variable"]
    sku_count = Counter(normalise(p.sku, case_sensitive=case_sensitive) for p in items if p.sku.strip())
    result = PairingResult(case_sensitive=case_sensitive, cards=by_code)
    used: set[str] = set()

    for product in items:
        key = normalise(product.sku, case_sensitive=case_sensitive)
        info = by_code.get(key) if key else None
        matched_by = "sku" if info else ""
        if info is None and ean_fallback and product.ean.strip():
            candidates = by_ean.get(product.ean.strip(), [])
            if len(candidates) == 1:
                info, matched_by = candidates[0], "ean"
        row = judge(product, info, matched_by, same_sku=sku_count[key] if key else 0)
        if info is not None:
            used.add(normalise(info.code, case_sensitive=case_sensitive))
            result.by_product[product.id] = info.code
            if key:
                result.by_sku.setdefault(key, info.code)
        result.rows.append(row)

    for key, info in by_code.items():
        if key not in used:
            result.rows.append(PairRow("pohoda_only", None, info, info.code))
    return result

"""Párování produktů: reading POHODA stock, storing the pairing, and the report queries.

:func:`iter_cards` lists POHODA's stock cards page by page (``ftr:idFrom`` /
``ftr:count``) and, when ``[stock] stores`` is set, once per warehouse with
the ``store`` filter (a listing cannot name the warehouse itself).
:func:`refresh_pairing` lists both sides, runs the pure
:func:`adapter.sync.pairing.pair` and replaces the ledger ``Pairing`` table in
one transaction. The rest are the named queries behind the pairing report
page and the CSV export, and the lookup the stock job uses on incremental
runs (so a large catalogue is never re-listed just to find product ids).
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from peewee import Case, fn

from adapter import csv_safe, ledger
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.stock import iter_stock, list_stock_request
from adapter.records import Product, StockCard
from adapter.sync.pairing import STATUS_TITLES, CardGrouper, CardInfo, PairingResult, normalise, pair
from adapter.sync.state import parse_pohoda_time

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.eshop.base import Eshop
    from adapter.pohoda.client import MServerClient

log = logging.getLogger(__name__)

#: Checkpoint row holding facts about the last pairing refresh (when, counts, multi-card codes)
PAIRING_CHECKPOINT = "pairing"
#: rows per INSERT when the Pairing table is replaced
INSERT_CHUNK = 2000
#: code-filtered list requests per dataPack when single codes are re-read
CODES_PER_PACK = 200
_STAMP = re.compile(rb'dateTimeStamp="([^"]+)"')

#: conflict kinds shown as filters; the patterns match the reasons :func:`pair` writes
CONFLICT_KINDS: dict[str, tuple[str, str]] = {
    "duplicate_sku": ("Duplicitní SKU v e-shopu", "%má v e-shopu%produkt%"),
    "multi_store": ("Kód ve více skladech", "%ve více skladech%"),
    "ean": ("EAN nesouhlasí", "%EAN nesouhlasí%"),
    "no_sku": ("Produkt bez SKU", "%nemá SKU%"),
}


# --------------------------------------------------------------------------- reading POHODA stock


@dataclass
class Listing:
    """What listing POHODA's stock found out besides the cards: the export time and request count."""

    stamp: datetime | None = None  #: earliest ``dateTimeStamp`` of the answers (POHODA local time)
    requests: int = 0
    cards: int = 0

    def note_answer(self, xml: bytes) -> None:
        """Remember the export timestamp of one answer (the earliest one wins)."""
        self.requests += 1
        match = _STAMP.search(xml, 0, 8192)
        stamp = parse_pohoda_time(match.group(1).decode("ascii", "replace")) if match else None
        if stamp is not None and (self.stamp is None or stamp < self.stamp):
            self.stamp = stamp


def _post_list(client: MServerClient, item: Any, listing: Listing) -> bytes:
    pack = build_pack([item], ico=client.ico, pack_id=item.id, application=client.application)
    answer = client.post(pack.xml, write=False)
    listing.note_answer(answer)
    return answer


def iter_cards(
    client: MServerClient,
    *,
    stores: Sequence[str] = (),
    page_size: int = 2000,
    last_changes: datetime | None = None,
    listing: Listing | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[StockCard]:
    """Every stock card (or those changed since ``last_changes``), paged, per warehouse if ``stores``.

    Cards listed with a warehouse filter get that warehouse in ``store``.
    ``on_page(cards_so_far)`` is called after each page (progress, cancel).
    """
    listing = listing if listing is not None else Listing()
    page_size = max(1, min(page_size, 10_000))
    for store in stores or (None,):
        id_from = 0
        while True:
            item = list_stock_request(store=store, last_changes=last_changes, id_from=id_from, count=page_size)
            answer = _post_list(client, item, listing)
            last_id = -1
            count = 0
            for card in iter_stock(answer):
                count += 1
                last_id = max(last_id, card.id)
                yield replace(card, store=store) if store and card.store != store else card
            del answer
            listing.cards += count
            if on_page is not None:
                on_page(listing.cards)
            if count < page_size or last_id < id_from:
                break
            id_from = last_id + 1


def read_codes(
    client: MServerClient, codes: Iterable[str], *, stores: Sequence[str] = (), listing: Listing | None = None
) -> list[StockCard]:
    """The current cards of the given codes (all their warehouses), many codes per request."""
    listing = listing if listing is not None else Listing()
    wanted = sorted({c for c in codes if c})
    out: list[StockCard] = []
    for store in stores or (None,):
        for i in range(0, len(wanted), CODES_PER_PACK):
            items = [list_stock_request(code=code, store=store) for code in wanted[i : i + CODES_PER_PACK]]
            pack = build_pack(items, ico=client.ico, pack_id=f"lstk-codes-{i}-{store or 'all'}"[:64],
                              application=client.application)
            answer = client.post(pack.xml, write=False)
            listing.note_answer(answer)
            out.extend(replace(c, store=store) if store and c.store != store else c for c in iter_stock(answer))
    return out


# --------------------------------------------------------------------------- storing the pairing


@dataclass
class RefreshResult:
    """What a pairing refresh found."""

    result: PairingResult
    counts: dict[str, int]
    multi_codes: set[str] = field(default_factory=set)  #: normalised codes held by several cards


@dataclass
class ListedCards:
    """POHODA's stock listing folded per code while it is read (the cards themselves are not kept)."""

    infos: dict[str, CardInfo]  #: normalised code → what pairing needs of it
    multi_codes: set[str]  #: normalised codes held by several cards
    count: int  #: cards listed


def fold_cards(
    cards: Iterable[StockCard], *, case_sensitive: bool, each: Callable[[str, StockCard], None] | None = None
) -> ListedCards:
    """Fold a card listing for pairing as it streams; ``each(code key, card)`` sees every card on the way."""
    grouper = CardGrouper(case_sensitive=case_sensitive)
    count = 0
    for card in cards:
        count += 1
        key = grouper.add(card)
        if each is not None:
            each(key, card)
    multi = {key for key, rows in grouper.rows_per_code().items() if rows > 1}
    return ListedCards(grouper.result(), multi, count)


def multi_card_codes(cards: Iterable[StockCard], *, case_sensitive: bool) -> set[str]:
    """Normalised codes that more than one stock card carries (several warehouses)."""
    seen = Counter(normalise(c.code, case_sensitive=case_sensitive) for c in cards if c.code.strip())
    return {code for code, n in seen.items() if n > 1}


def _row(r: Any, now: datetime) -> dict[str, Any]:
    p, c = r.product, r.card
    return {
        "status": r.status,
        "sku": p.sku.strip() if p else "",
        "product_id": p.id if p else None,
        "parent_id": p.parent_id if p else None,
        "shop_name": p.name[:255] if p else "",
        "shop_ean": p.ean.strip() if p else "",
        "pohoda_code": r.code or (c.code if c else ""),
        "pohoda_id": c.id if c else None,
        "pohoda_name": c.name[:255] if c else "",
        "pohoda_ean": c.ean if c else "",
        "stores": ",".join(c.stores) if c else "",
        "is_internet": bool(c.is_internet) if c else False,
        "matched_by": r.matched_by,
        "conflict": r.conflict,
        "updated_at": now,
    }


def _row_columns() -> tuple[str, ...]:
    """The Pairing fields :func:`_row` fills, in its order."""
    return ("status", "sku", "product_id", "parent_id", "shop_name", "shop_ean", "pohoda_code", "pohoda_id",
            "pohoda_name", "pohoda_ean", "stores", "is_internet", "matched_by", "conflict", "updated_at")


def store_pairing(result: PairingResult, *, multi_codes: set[str], now: datetime) -> dict[str, int]:
    """Replace the ledger Pairing table with ``result`` in one transaction; returns the counts."""
    counts = result.counts()
    P = ledger.Pairing
    columns = [P._meta.fields[name] for name in _row_columns()]
    sql = (f'INSERT INTO "{P._meta.table_name}" ({", ".join(f.column_name for f in columns)}) '  # noqa: S608 — fixed names
           f'VALUES ({", ".join("?" for _ in columns)})')
    with ledger.database.atomic():
        P.delete().execute()
        rows = result.rows
        cursor = ledger.database.cursor()
        # plain executemany: peewee's per-value SQL building is the slow part for 100,000 rows
        for i in range(0, len(rows), INSERT_CHUNK):
            cursor.executemany(sql, [
                tuple(f.db_value(v) for f, v in zip(columns, _row(r, now).values(), strict=True))
                for r in rows[i : i + INSERT_CHUNK]
            ])
        ledger.set_checkpoint(
            PAIRING_CHECKPOINT,
            now.isoformat(),
            {"counts": counts, "multi": sorted(multi_codes), "case_sensitive": result.case_sensitive},
            now=now,
        )
    return counts


def compute_pairing(
    cards: Sequence[StockCard] | ListedCards, products: Iterable[Product], settings: Settings
) -> RefreshResult:
    """Pair listed (or already folded) cards and products with the ``[pairing]`` options (pure)."""
    opts = settings.pairing
    if isinstance(cards, ListedCards):
        result = pair(cards.infos, products, case_sensitive=opts.case_sensitive, ean_fallback=opts.ean_fallback)
        return RefreshResult(result, result.counts(), set(cards.multi_codes))
    result = pair(cards, products, case_sensitive=opts.case_sensitive, ean_fallback=opts.ean_fallback)
    return RefreshResult(result, result.counts(), multi_card_codes(cards, case_sensitive=opts.case_sensitive))


def refresh_pairing(
    client: MServerClient,
    shop: Eshop,
    settings: Settings,
    *,
    now: datetime,
    listing: Listing | None = None,
    on_page: Callable[[int], None] | None = None,
) -> RefreshResult:
    """List every POHODA card and every shop product, pair them and store the pairing."""
    stock = settings.stock
    cards = fold_cards(iter_cards(client, stores=stock.stores, page_size=stock.page_size, listing=listing,
                                  on_page=on_page), case_sensitive=settings.pairing.case_sensitive)
    refreshed = compute_pairing(cards, shop.iter_products(), settings)
    store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=now)
    return refreshed


# --------------------------------------------------------------------------- lookups for the jobs


@dataclass(frozen=True, slots=True)
class Target:
    """A shop product (or variation) that takes its stock from one POHODA code."""

    product_id: int
    parent_id: int | None
    sku: str
    code: str
    card_id: int | None = None


def mark_created(product_id: int, *, code: str, card_id: int | None, name: str, ean: str, internet: bool,
                 now: datetime) -> None:
    """A card was just created for an e-shop-only product: show the product as paired right away."""
    P = ledger.Pairing
    P.update(status="paired", pohoda_code=code, pohoda_id=card_id, pohoda_name=name[:255], pohoda_ean=ean,
             is_internet=internet, matched_by="sku", conflict="", updated_at=now).where(
        (P.product_id == product_id) & (P.status == "eshop_only")).execute()


def has_pairing() -> bool:
    """True when a pairing was ever stored."""
    return ledger.Pairing.select().limit(1).exists()


def pairing_targets() -> dict[str, list[Target]]:
    """Normalised POHODA code → the shop products paired to it (paired and resolvable conflict rows)."""
    info = pairing_info()
    case_sensitive = bool(info.get("case_sensitive", False))
    out: dict[str, list[Target]] = {}
    query = (
        ledger.Pairing.select(ledger.Pairing.product_id, ledger.Pairing.parent_id, ledger.Pairing.sku,
                              ledger.Pairing.pohoda_code, ledger.Pairing.pohoda_id)
        .where(ledger.Pairing.product_id.is_null(False) & (ledger.Pairing.pohoda_code != "")
               & ledger.Pairing.status.in_(("paired", "conflict")))
        .tuples()
    )
    for product_id, parent_id, sku, code, card_id in query:
        key = normalise(code, case_sensitive=case_sensitive)
        out.setdefault(key, []).append(Target(product_id, parent_id, sku, code, card_id))
    return out


def paired_product_ids() -> set[int]:
    """Ids of shop products the stored pairing links to a POHODA code."""
    query = ledger.Pairing.select(ledger.Pairing.product_id).where(
        ledger.Pairing.product_id.is_null(False) & (ledger.Pairing.pohoda_code != "")
        & ledger.Pairing.status.in_(("paired", "conflict"))
    )
    return {pid for (pid,) in query.tuples()}


def pairing_info() -> dict[str, Any]:
    """Facts of the last refresh: ``at`` (ISO), ``counts``, ``multi`` codes, ``case_sensitive``."""
    cp = ledger.get_checkpoint(PAIRING_CHECKPOINT)
    if cp is None:
        return {}
    return {**cp.extra_dict(), "at": cp.updated_at}


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class ReportFilter:
    """What the pairing report shows: a status, a conflict kind and a search text."""

    status: str = ""
    kind: str = ""
    search: str = ""

    def clean(self) -> ReportFilter:
        """Drop unknown values."""
        return ReportFilter(
            status=self.status if self.status in STATUS_TITLES else "",
            kind=self.kind if self.kind in CONFLICT_KINDS else "",
            search=self.search.strip()[:100],
        )


def _filtered(flt: ReportFilter) -> Any:
    P = ledger.Pairing
    query = P.select()
    if flt.status:
        query = query.where(P.status == flt.status)
    if flt.kind:
        query = query.where(P.conflict ** CONFLICT_KINDS[flt.kind][1])
    if flt.search:
        like = f"%{flt.search}%"
        query = query.where(
            (P.sku ** like) | (P.pohoda_code ** like) | (P.shop_name ** like) | (P.pohoda_name ** like)
            | (P.shop_ean ** like) | (P.pohoda_ean ** like)
        )
    return query


def _order(query: Any) -> Any:
    P = ledger.Pairing
    rank = Case(P.status, (("conflict", 0), ("eshop_only", 1), ("pohoda_only", 2)), 3)
    return query.order_by(rank, P.sku, P.pohoda_code, P.id)


def report_rows(flt: ReportFilter, *, limit: int, offset: int) -> list[ledger.Pairing]:
    """One page of report rows (conflicts first, then e-shop-only, POHODA-only, paired)."""
    return list(_order(_filtered(flt.clean())).limit(limit).offset(offset))


def report_count(flt: ReportFilter) -> int:
    """How many rows match the filter."""
    return int(_filtered(flt.clean()).count())


def status_counts() -> dict[str, int]:
    """Rows per status (every status present, zero if none)."""
    P = ledger.Pairing
    found = dict(P.select(P.status, fn.COUNT(P.id)).group_by(P.status).tuples())
    return {s: int(found.get(s, 0)) for s in STATUS_TITLES}


def conflict_counts() -> dict[str, int]:
    """Conflict rows per kind (a row with two reasons counts in both)."""
    P = ledger.Pairing
    return {
        kind: int(P.select().where((P.status == "conflict") & (P.conflict ** pattern)).count())
        for kind, (_title, pattern) in CONFLICT_KINDS.items()
    }


def held_orders() -> dict[str, list[str]]:
    """Shop SKU → numbers of the orders it holds back (empty until the orders job provides it)."""
    try:
        from adapter.sync.orders.queries import held_skus
    except ImportError:
        return {}
    try:
        found = held_skus()
    except Exception:  # the report must render even if the orders side misbehaves
        log.exception("held_skus() failed")
        return {}
    return {str(k): [str(n) for n in v] for k, v in (found or {}).items()}


@dataclass
class HeldRow:
    """An unpaired SKU that holds orders back, with its pairing status."""

    sku: str
    orders: list[str]
    status: str
    product_id: int | None
    name: str
    conflict: str


def held_rows(held: dict[str, list[str]]) -> list[HeldRow]:
    """The held SKUs joined to the stored pairing (unknown SKUs show as e-shop-only)."""
    if not held:
        return []
    P = ledger.Pairing
    known: dict[str, ledger.Pairing] = {}
    skus = list(held)
    for i in range(0, len(skus), 500):
        for row in P.select().where(P.sku.in_(skus[i : i + 500])):
            known.setdefault(row.sku, row)
    out = []
    for sku, orders in sorted(held.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        row = known.get(sku)
        out.append(HeldRow(sku, orders, row.status if row else "eshop_only", row.product_id if row else None,
                           row.shop_name if row else "", row.conflict if row else ""))
    return out


CSV_COLUMNS = ("Stav", "SKU", "ID produktu", "ID nadřazeného", "Název v e-shopu", "EAN v e-shopu", "Kód v POHODĚ",
               "ID zásoby", "Název v POHODĚ", "EAN v POHODĚ", "Sklady", "Internet", "Spárováno podle", "Konflikt",
               "Blokované objednávky")


def iter_csv(flt: ReportFilter, held: dict[str, list[str]] | None = None) -> Iterator[str]:
    """The filtered report as CSV for Excel: UTF-8 with BOM, ``;`` separated, streamed in chunks."""
    held = held or {}
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, delimiter=";", lineterminator="\r\n")  # no formulas from shop data
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    query = _order(_filtered(flt.clean()))
    for n, r in enumerate(query.iterator(), start=1):
        writer.writerow((
            STATUS_TITLES.get(r.status, r.status), r.sku, r.product_id or "", r.parent_id or "", r.shop_name,
            r.shop_ean, r.pohoda_code, r.pohoda_id or "", r.pohoda_name, r.pohoda_ean, r.stores,
            ("ano" if r.is_internet else "ne") if r.pohoda_code else "", {"sku": "SKU", "ean": "EAN"}.get(r.matched_by, ""),
            r.conflict, ", ".join(held.get(r.sku, [])) if r.status != "paired" else "",
        ))
        if n % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

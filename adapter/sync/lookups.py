"""Look-ups in POHODA for the orders and invoices jobs: pairing codes and reconciliation.

* :class:`CodeResolver` answers "which POHODA stock code does this SKU pair
  to?" from the ledger's Pairing table and, for SKUs not found there, from
  POHODA itself (``listStockRequest`` by code, many items in one pack,
  cached for the run) — so a card created a minute ago counts.
* :func:`find_orders` looks received orders up by extId (and by
  ``numberOrder`` within a date range) to reconcile ledger rows left in
  ``sending`` by a crash, before anything is sent again.

Both send read-only list packs and read the answer item by item
(:func:`adapter.pohoda.answers.split_items`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from adapter.ledger.orders import pairing_codes
from adapter.pohoda.answers import split_items
from adapter.pohoda.envelope import PackItem, build_pack, lookup_pack_id
from adapter.pohoda.orders import list_orders_request, parse_list_orders
from adapter.pohoda.stock import list_stock_request, parse_list_stock
from adapter.records import PohodaOrder, StockCard
from adapter.sync.pairing import normalise

log = logging.getLogger(__name__)

#: list items per look-up pack (each is a cheap indexed query in POHODA)
LOOKUP_CHUNK = 250


Post = Callable[[bytes], bytes]


# --------------------------------------------------------------------------- pairing


@dataclass
class CodeResolver:
    """SKU → POHODA code, from the Pairing table first, then POHODA (cached for one run).

    ``post`` sends a dataPack (read-only) and returns the responsePack bytes;
    it is called once per :data:`LOOKUP_CHUNK` SKUs not found in the table.
    """

    ico: str
    post: Post
    case_sensitive: bool = False
    ean_fallback: bool = False
    store: str = ""
    application: str = "POHODA adaptér"
    use_table: bool = True
    lookups_enabled: bool = True  #: False = Pairing table only (no mServer, e.g. when POHODA pulls)
    _table: dict[str, str] = field(default_factory=dict)
    _multi_table: set[str] = field(default_factory=set)
    _eans: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, str | None] = field(default_factory=dict)
    multi_store: set[str] = field(default_factory=set)  #: codes held by several cards (warehouses)
    #: codes (from the Pairing table) whose card is not in ``store``: code → the warehouses it is in
    elsewhere: dict[str, str] = field(default_factory=dict)
    _elsewhere_table: dict[str, str] = field(default_factory=dict)
    looked_up: int = 0  #: SKUs asked of POHODA this run
    _loaded: bool = False

    def _norm(self, sku: str) -> str:
        return normalise(sku, case_sensitive=self.case_sensitive)

    def load_table(self) -> None:
        """Read the Pairing table (rows that carry a POHODA code)."""
        self._loaded = True
        if not self.use_table:
            return
        for row in pairing_codes():
            key = self._norm(row.sku)
            if row.shop_ean:
                self._eans.setdefault(key, row.shop_ean.strip())
            if not row.pohoda_code:
                continue
            self._table.setdefault(key, row.pohoda_code)
            # several warehouses: named in ``stores`` when listed per warehouse, else only in the conflict text
            several = "," in (row.stores or "") or "ve více skladech" in (row.conflict or "")
            if several and not self.store:
                self._multi_table.add(row.pohoda_code)
            listed = [x.strip() for x in (row.stores or "").split(",") if x.strip()]
            if self.store and listed and self.store not in listed:
                self._elsewhere_table[row.pohoda_code] = ", ".join(listed)

    def resolve(self, skus: Iterable[str]) -> dict[str, str | None]:
        """Codes for the given SKUs (as written in the shop); unpaired ones map to None."""
        wanted = list(skus)
        self.fetch(wanted)
        return self.known(wanted)

    def fetch(self, skus: Iterable[str]) -> None:
        """Ask POHODA about the SKUs neither the Pairing table nor this run's cache knows (the only I/O here).

        May run in a helper thread while :meth:`known` answers other SKUs in
        the job's thread: it only adds keys to the cache.
        """
        if not self._loaded:
            self.load_table()
        wanted = list(dict.fromkeys(s.strip() for s in skus if s and s.strip()))
        missing = [s for s in wanted if self._norm(s) not in self._table and self._norm(s) not in self._cache]
        if missing and self.lookups_enabled:
            self._lookup(missing)
        elif missing:
            self._cache.update({self._norm(s): None for s in missing})

    def known(self, skus: Iterable[str]) -> dict[str, str | None]:
        """Codes for SKUs already fetched (:meth:`fetch`); no POHODA request — a SKU never fetched maps to None."""
        if not self._loaded:
            self.load_table()
        out: dict[str, str | None] = {}
        for raw in skus:
            sku = raw.strip() if raw else ""
            if not sku or sku in out:
                continue
            key = self._norm(sku)
            code = self._table.get(key) or self._cache.get(key)
            out[sku] = code
            if code and code in self._multi_table:
                self.multi_store.add(code)
            if code and code in self._elsewhere_table:
                self.elsewhere[code] = self._elsewhere_table[code]
        return out

    def _lookup(self, skus: Sequence[str]) -> None:
        """Ask POHODA for the codes (and, with the EAN fallback, the EANs) of SKUs not in the table."""
        requests: list[tuple[str, PackItem]] = []
        for sku in skus:
            variants = [sku] if self.case_sensitive else list(dict.fromkeys([sku, sku.upper()]))
            for variant in variants:
                if len(variant) <= 64:
                    requests.append((sku, list_stock_request(code=variant, store=self.store or None)))
        found = self._ask(requests, by_code=True)
        self.looked_up += len(skus)
        for sku in skus:
            self._cache[self._norm(sku)] = found.get(self._norm(sku))
        if self.ean_fallback:
            by_ean = [(sku, list_stock_request(ean=self._eans[self._norm(sku)], store=self.store or None))
                      for sku in skus if self._cache.get(self._norm(sku)) is None and self._eans.get(self._norm(sku))]
            if by_ean:
                for key, code in self._ask(by_ean, by_code=False).items():
                    self._cache[key] = code

    def _ask(self, requests: Sequence[tuple[str, PackItem]], *, by_code: bool) -> dict[str, str]:
        """Send look-up items in chunks; normalised SKU → code of the single matching card."""
        found: dict[str, str] = {}
        unique: dict[str, tuple[str, PackItem]] = {}
        for sku, item in requests:
            unique.setdefault(item.id, (sku, item))
        entries = list(unique.values())
        for start in range(0, len(entries), LOOKUP_CHUNK):
            chunk = entries[start : start + LOOKUP_CHUNK]
            pack = build_pack([item for _, item in chunk], ico=self.ico, pack_id=lookup_pack_id("lstk"),
                              application=self.application)
            parts = split_items(self.post(pack.xml))
            for sku, item in chunk:
                part = parts.get(item.id)
                if part is None:
                    continue
                result = parse_list_stock(part[0])
                cards = self._matching(sku, result.records, by_code=by_code)
                if not cards:
                    continue
                code = cards[0].code.strip()
                found[self._norm(sku)] = code
                if len({c.id for c in cards}) > 1 and not self.store:
                    self.multi_store.add(code)
        return found

    def _matching(self, sku: str, cards: Sequence[StockCard], *, by_code: bool) -> list[StockCard]:
        if not by_code:
            return list(cards)
        key = self._norm(sku)
        return [c for c in cards if self._norm(c.code) == key]


# --------------------------------------------------------------------------- reconciliation


@dataclass(frozen=True, slots=True)
class SentRow:
    """A ledger row in ``sending`` to look for in POHODA."""

    key: str  #: the shop order id (= extId)
    number: str  #: the shop order number (= numberOrder)
    day: date | None  #: the order date, for the numberOrder search


def find_orders(rows: Sequence[SentRow], *, ico: str, post: Post, ext_system: str,
                application: str = "POHODA adaptér") -> dict[str, PohodaOrder]:
    """key → the received order POHODA holds for it (by extId, else numberOrder in a date range)."""
    if not rows:
        return {}
    items = {row.key: list_orders_request(ext_id=row.key, ext_system=ext_system) for row in rows}
    days = [r.day for r in rows if r.day is not None]
    wide = list_orders_request(date_from=min(days) - timedelta(days=1), ext_system=ext_system) if days else None
    pack_items = list(items.values()) + ([wide] if wide is not None else [])
    unique = list({i.id: i for i in pack_items}.values())
    pack = build_pack(unique, ico=ico, pack_id=lookup_pack_id("lord"), application=application)
    parts = split_items(post(pack.xml))
    found: dict[str, PohodaOrder] = {}
    for key, item in items.items():
        part = parts.get(item.id)
        if part is None:
            continue
        listed = parse_list_orders(part[0])
        match = next((o for o in listed.records if o.ext_id == key), None)
        if match is None and len(listed.records) == 1 and not listed.records[0].ext_id:
            match = listed.records[0]
        if match is not None:
            found[key] = match
    if wide is not None and wide.id in parts:
        by_number: dict[str, list[PohodaOrder]] = {}
        for o in parse_list_orders(parts[wide.id][0]).records:
            by_number.setdefault(o.number_order, []).append(o)
        for row in rows:
            if row.key in found:
                continue
            candidates = [o for o in by_number.get(row.number, []) if not o.ext_id or o.ext_id == row.key]
            if candidates:
                found[row.key] = candidates[0]
    return found

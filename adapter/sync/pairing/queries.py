"""What the pairing page and its CSV export read: filtered rows, counts, the SKUs that hold orders back."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from adapter import csv_safe, ledger
from adapter.ledger import pairing as pairing_queries
from adapter.sync.pairing.match import STATUS_TITLES, normalise
from adapter.sync.pairing.store import pairing_info

log = logging.getLogger(__name__)

#: conflict kinds shown as filters; the patterns match the reasons :func:`~adapter.sync.pairing.match.pair` writes
CONFLICT_KINDS: dict[str, tuple[str, str]] = {
    "duplicate_sku": ("Duplicitní SKU v e-shopu", "%má v e-shopu%produkt%"),
    "multi_store": ("Kód ve více skladech", "%ve více skladech%"),
    "ean": ("EAN nesouhlasí", "%EAN nesouhlasí%"),
    "no_sku": ("Produkt bez SKU", "%nemá SKU%"),
}


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


def _query(flt: ReportFilter) -> Any:
    flt = flt.clean()
    return pairing_queries.pairing_query(
        status=flt.status, conflict_like=CONFLICT_KINDS[flt.kind][1] if flt.kind else "", search=flt.search
    )


def report_rows(flt: ReportFilter, *, limit: int, offset: int) -> list[ledger.Pairing]:
    """One page of report rows (conflicts first, then e-shop-only, POHODA-only, paired)."""
    return list(_query(flt).limit(limit).offset(offset))


def report_count(flt: ReportFilter) -> int:
    """How many rows match the filter."""
    return int(_query(flt).order_by().count())


def status_counts() -> dict[str, int]:
    """Rows per status (every status present, zero if none)."""
    found = pairing_queries.pairing_status_counts()
    return {s: int(found.get(s, 0)) for s in STATUS_TITLES}


def conflict_counts() -> dict[str, int]:
    """Conflict rows per kind (a row with two reasons counts in both)."""
    return {kind: pairing_queries.conflict_count(pattern) for kind, (_title, pattern) in CONFLICT_KINDS.items()}


def held_orders() -> dict[str, list[str]]:
    """Shop SKU → numbers of the orders it holds back."""
    from adapter.sync.orders.queries import held_skus  # the orders agenda imports pairing: import late

    try:
        found = held_skus()
    except Exception:  # the report must render even if the orders side misbehaves
        log.exception("held_skus() failed")
        return {}
    return {str(k): [str(n) for n in v] for k, v in (found or {}).items()}


class HeldOrders:
    """The held orders of a report row's SKU, matched as pairing matches SKUs (trimmed; case as the pairing did)."""

    def __init__(self, held: dict[str, list[str]], *, case_sensitive: bool = False) -> None:
        self.case_sensitive = case_sensitive
        self._by_key: dict[str, list[str]] = {}
        for sku, numbers in held.items():
            merged = self._by_key.setdefault(normalise(sku, case_sensitive=case_sensitive), [])
            merged.extend(n for n in numbers if n not in merged)

    def __call__(self, sku: str) -> list[str]:
        """Numbers of the orders waiting for ``sku`` (none for an empty SKU)."""
        key = normalise(sku or "", case_sensitive=self.case_sensitive)
        return self._by_key.get(key, []) if key else []


def held_lookup(held: dict[str, list[str]]) -> HeldOrders:
    """:class:`HeldOrders` with the stored pairing's case rule."""
    return HeldOrders(held, case_sensitive=bool(pairing_info().get("case_sensitive", False)))


@dataclass
class HeldRow:
    """An unpaired SKU that holds orders back, with its pairing status."""

    sku: str
    orders: list[str]
    status: str
    product_id: int | None
    name: str
    conflict: str
    reason: str = ""  #: why the orders wait, as the orders page says it


def held_reasons() -> dict[str, str]:
    """SKU → the held orders' own reason (the orders page shows the same)."""
    from adapter.sync.orders.queries import held_reasons as reasons  # the orders agenda imports pairing

    try:
        return reasons()
    except Exception:  # the report must render even if the orders side misbehaves
        log.exception("held_reasons() failed")
        return {}


def held_rows(held: dict[str, list[str]]) -> list[HeldRow]:
    """The held SKUs joined to the stored pairing (unknown SKUs show as e-shop-only)."""
    if not held:
        return []
    known = pairing_queries.pairings_by_sku(list(held))
    why = held_reasons()
    out = []
    for sku, orders in sorted(held.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        row = known.get(sku)
        out.append(HeldRow(sku, orders, row.status if row else "eshop_only", row.product_id if row else None,
                           row.shop_name if row else "", row.conflict if row else "", why.get(sku, "")))
    return out


CSV_COLUMNS = ("Stav", "SKU", "ID produktu", "ID nadřazeného", "Název v e-shopu", "EAN v e-shopu", "Kód v POHODĚ",
               "ID zásoby", "Název v POHODĚ", "EAN v POHODĚ", "Sklady", "Internet", "Spárováno podle", "Konflikt",
               "Blokované objednávky")


def stores_text(stores: str) -> str:
    """A row's warehouses as the report shows them (``HLAVNI, PRODEJNA``)."""
    return ", ".join(s for s in stores.split(",") if s)


def _csv_row(r: ledger.Pairing, held: HeldOrders) -> tuple[Any, ...]:
    return (
        STATUS_TITLES.get(r.status, r.status), r.sku, r.product_id or "", r.parent_id or "", r.shop_name,
        r.shop_ean, r.pohoda_code, r.pohoda_id or "", r.pohoda_name, r.pohoda_ean, stores_text(r.stores),
        ("ano" if r.is_internet else "ne") if r.pohoda_code else "", {"sku": "SKU", "ean": "EAN"}.get(r.matched_by, ""),
        r.conflict, ", ".join(held(r.sku)),
    )


def iter_csv(flt: ReportFilter, held: dict[str, list[str]] | None = None) -> Iterator[str]:
    """The filtered report as CSV for Excel: UTF-8 with BOM, ``;`` separated, streamed in chunks."""
    lookup = held_lookup(held or {})
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, delimiter=";", lineterminator="\r\n")  # no formulas from shop data
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for n, r in enumerate(_query(flt).iterator(), start=1):
        writer.writerow(_csv_row(r, lookup))
        if n % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

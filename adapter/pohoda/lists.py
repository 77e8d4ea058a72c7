"""Shared pieces of list (export) requests and list answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from lxml import etree

from adapter.errors import PackError
from adapter.pohoda.envelope import (
    NS,
    Fields,
    boolean,
    guard,
    item_id,
    pack_refusal,
    parse_details,
    parse_item,
    response_root,
    state_of,
    sub,
    text_of,
    to_datetime,
    to_decimal,
    xml_date,
    xml_datetime,
)
from adapter.records import ZERO, ItemState, PackResult

T = TypeVar("T")
MAX_COUNT = 10_000  #: ftr:limitType/count maximum


@dataclass(frozen=True)
class ListResult(Generic[T]):
    """One list answer: the item's id, state and note, the export timestamp and the records."""

    item_id: str
    state: ItemState
    note: str
    timestamp: datetime | None
    records: list[T] = field(default_factory=list)


def request_id(agenda: str, **criteria: object) -> str:
    """A deterministic item id for a list request from its non-empty criteria."""
    parts = [f"{k}={v}" for k, v in sorted(criteria.items()) if v not in (None, (), [], "", False)]
    return item_id(agenda, ";".join(parts) or "all")


def limit(parent: etree._Element, tag: str, id_from: int | None, count: int | None) -> None:
    """Append ``<X:limit>`` with ``ftr:idFrom`` / ``ftr:count`` when paging is asked for."""
    if id_from is None and count is None:
        return
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise ValueError(f"Počet záznamů na stránku musí být 1–{MAX_COUNT}, ne {count}.")
    if id_from is not None and id_from < 0:
        raise ValueError(f"idFrom musí být nezáporné, ne {id_from}.")
    node = sub(parent, tag)
    if id_from is not None:
        sub(node, "ftr:idFrom", str(id_from))
    if count is not None:
        sub(node, "ftr:count", str(count))


def docs_filter(parent: etree._Element, f: Fields, *, ext_id: str | None = None, ext_system: str = "",
                date_from: date | None = None, date_till: date | None = None,
                numbers: Iterable[str] = (), last_changes: datetime | None = None) -> None:
    """Append ``ftr:filter`` of ``ftr:filterDocsType`` (orders, invoices) if any criterion is set."""
    numbers = [n for n in numbers if n]
    if not (ext_id or date_from or date_till or numbers or last_changes):
        return
    node = sub(parent, "ftr:filter")
    if ext_id:
        ext = sub(node, "ftr:extId")
        f.text(ext, "typ:ids", ext_id, "extId", "string64")
        f.text(ext, "typ:exSystemName", ext_system or "e-shop", "exSystemName", "string64")
    if date_from:
        sub(node, "ftr:dateFrom", xml_date(date_from))
    if date_till:
        sub(node, "ftr:dateTill", xml_date(date_till))
    if numbers:
        sel = sub(node, "ftr:selectedNumbers")
        for n in numbers:
            f.text(sub(sel, "ftr:number"), "typ:numberRequested", n, "number", "string32NotEmpty")
    if last_changes:
        sub(node, "ftr:lastChanges", xml_datetime(last_changes))


def flag(parent: etree._Element, tag: str, value: bool | None) -> None:
    """Append a boolean element unless value is None."""
    if value is not None:
        sub(parent, tag, boolean(value))


def parse_list(xml: bytes, list_tag: str, record_tag: str,
               record: Callable[[etree._Element], T]) -> ListResult[T]:
    """Parse a list answer: the first item carrying ``list_tag``, its records via ``record``.

    A pack-level refusal raises PackError; an item-level error returns a
    ListResult in state ``error`` with its note and no records.
    """

    def run() -> ListResult[T]:
        doc = response_root(xml)
        items = doc.findall("rsp:responsePackItem", NS)
        refusal = pack_refusal(PackResult(doc.get("id", ""), state_of(doc.get("state")), items=tuple(
            parse_item(i) for i in items[:1])))
        if refusal is not None:
            raise PackError((doc.get("note") or "").strip(), detail="list request refused")
        for item in items:
            listed = item.find(list_tag, NS)
            if listed is None:
                continue
            result = parse_item(item)
            state: ItemState = "error" if state_of(listed.get("state")) == "error" else result.state
            details = parse_details(listed)
            note = result.note or "; ".join(d.note for d in details if d.state == "error" and d.note)
            return ListResult(item_id=item.get("id", ""), state=state, note=note,
                              timestamp=to_datetime(listed.get("dateTimeStamp")),
                              records=[record(r) for r in listed.iterfind(record_tag, NS)])
        if not items:
            return ListResult(item_id="", state="error", note="odpověď neobsahuje žádnou položku",
                              timestamp=None, records=[])
        first = parse_item(items[0])
        return ListResult(item_id=first.item_id, state="error" if first.state == "ok" else first.state,
                          note=first.note or "odpověď neobsahuje seznam", timestamp=None, records=[])

    return guard(run)


_SUM_PARTS = ("priceNone", "priceLowSum", "priceHighSum", "price3Sum")


def summary_total(summary: etree._Element | None, prefix: str) -> Decimal:
    """Document total from ``<prefix>:…Summary``: home-currency VAT-rate sums plus rounding.

    Falls back to ``foreignCurrency/priceSum`` when the home part is missing.
    """
    if summary is None:
        return ZERO
    home = summary.find(f"{prefix}:homeCurrency", NS)
    if home is not None:
        total = sum((to_decimal(text_of(home, f"typ:{p}")) or ZERO for p in _SUM_PARTS), ZERO)
        return total + (to_decimal(text_of(home, "typ:round/typ:priceRound")) or ZERO)
    return to_decimal(text_of(summary, f"{prefix}:foreignCurrency/typ:priceSum")) or ZERO

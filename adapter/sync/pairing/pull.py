"""POHODA's stock listing as pairing and the stock job read it: paged, per warehouse, or by codes.

:func:`iter_cards` lists POHODA's stock cards page by page (``ftr:idFrom`` /
``ftr:count``) and, given warehouses, once per warehouse with the ``store``
filter (a listing cannot name the warehouse itself): the ones ``[stock]
stores`` names, or for a full listing every warehouse :func:`warehouses`
finds, so each card's warehouse is known.
:func:`read_codes` re-reads the cards of single codes, many per request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from adapter.errors import PackError
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.stock import answer_stamp, iter_stock, list_stock_request
from adapter.pohoda.stores import list_store_request, parse_store_names
from adapter.records import StockCard
from adapter.sync.state import parse_pohoda_time

if TYPE_CHECKING:
    from adapter.pohoda.client import MServerClient

log = logging.getLogger(__name__)

#: code-filtered list requests per dataPack when single codes are re-read
CODES_PER_PACK = 200


@dataclass
class Listing:
    """What listing POHODA's stock found out besides the cards: the export time and request count."""

    stamp: datetime | None = None  #: earliest ``dateTimeStamp`` of the answers (POHODA local time)
    requests: int = 0
    cards: int = 0

    def note_answer(self, xml: bytes) -> None:
        """Remember the export timestamp of one answer (the earliest one wins)."""
        self.requests += 1
        stamp = parse_pohoda_time(answer_stamp(xml))
        if stamp is not None and (self.stamp is None or stamp < self.stamp):
            self.stamp = stamp


def _post_list(client: MServerClient, item: Any, listing: Listing) -> bytes:
    pack = build_pack([item], ico=client.ico, pack_id=item.id, application=client.application)
    answer = client.post(pack.xml, write=False)
    listing.note_answer(answer)
    return answer


def warehouses(client: MServerClient, listing: Listing | None = None) -> tuple[str, ...]:
    """Every warehouse (sklad) of the company, by the code the stock filter takes; () when POHODA refuses the list.

    Without them a listing still works, only the cards' warehouses stay unknown.
    """
    listing = listing if listing is not None else Listing()
    item = list_store_request()
    pack = build_pack([item], ico=client.ico, pack_id=item.id, application=client.application)
    answer = client.post(pack.xml, write=False)
    listing.requests += 1
    try:
        found = parse_store_names(answer)
    except PackError as exc:
        log.info("listStore refused, stock is listed without warehouses: %s", exc)
        return ()
    if found.state == "error":
        log.info("listStore answered with an error, stock is listed without warehouses: %s", found.note)
        return ()
    return tuple(dict.fromkeys(name for name in found.records if name))


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
    for store, card in iter_listed(client, stores=stores, page_size=page_size, last_changes=last_changes,
                                   listing=listing, on_page=on_page):
        yield replace(card, store=store) if store and card.store != store else card


def iter_listed(
    client: MServerClient,
    *,
    stores: Sequence[str] = (),
    page_size: int = 2000,
    last_changes: datetime | None = None,
    listing: Listing | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[tuple[str, StockCard]]:
    """:func:`iter_cards` as (the warehouse listed, or "", card): no copy of each card to note its warehouse."""
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
                yield store or "", card
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



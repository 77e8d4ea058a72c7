"""The customers job's records: what was read of each side, how they pair, and what a run will write."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from adapter import ledger
from adapter.records import AddressBookEntry, Customer
from adapter.sync.customers import mapping as cm

AGENDA = "customers"
AGENDA_OUT = "customers_out"
AGENDA_IN = "customers_in"
AGENDA_CONFLICT = "customers_conflict"
#: incremental reads go back this far before the watermark (repeats are absorbed by the card hashes)
OVERLAP = timedelta(minutes=10)
PACK_SIZE = 50
PAGE_SIZE = 2000
IN_PREFIX = "adb:"
PREVIEW_LIMIT = 200_000


@dataclass
class ShopSide:
    """A shop customer (or a guest company) as read in this run."""

    key: str
    card: cm.CustomerCard
    customer: Customer | None = None  #: None for a guest
    modified: datetime | None = None
    changed: bool = True  #: read as changed since the watermark (False = looked up)

    @property
    def customer_id(self) -> int | None:
        """The shop's customer id (None for a guest)."""
        return self.customer.id if self.customer is not None else None


@dataclass
class PohodaSide:
    """An address book record as read in this run."""

    entry: AddressBookEntry
    card: cm.CustomerCard
    eligible: bool = True  #: passes the user filter (may go to the shop)
    changed: bool = True

    @property
    def id(self) -> int:
        """POHODA's record id."""
        return self.entry.id


@dataclass
class Pair:
    """A shop customer and its POHODA record (either may be missing) with their link."""

    key: str  #: shop key ("" until a POHODA record gets a shop customer)
    shop: ShopSide | None = None
    pohoda: PohodaSide | None = None
    link: ledger.Entry | None = None
    pohoda_id: int | None = None
    shop_id: int | None = None

    def agreed(self, side: str) -> cm.CustomerCard | None:
        """The card the side held after the last sync (from the link)."""
        details = self.link.details_value() if self.link is not None else None
        return cm.CustomerCard.from_dict(details.get(side)) if isinstance(details, dict) else None

    @property
    def event_key(self) -> str:
        """The run-event key: shop key, or ``adb:<id>`` for a POHODA record without a shop customer."""
        return self.key or f"{IN_PREFIX}{self.pohoda_id}"


@dataclass
class ToPohoda:
    """One upsert into the address book."""

    pair: Pair
    card: cm.CustomerCard  #: what to write
    shop_card: cm.CustomerCard  #: the shop's card that becomes agreed
    resolves: str = ""  #: "eshop" when this write carries a decided conflict


@dataclass
class ToEshop:
    """One create/update of a shop customer."""

    pair: Pair
    card: cm.CustomerCard  #: POHODA's card to write
    resolves: str = ""


@dataclass
class Plan:
    """What one run will do."""

    to_pohoda: list[ToPohoda] = field(default_factory=list)
    to_eshop: list[ToEshop] = field(default_factory=list)
    #: pairs whose data already agree: (pair, shop card, POHODA card) to remember as agreed
    agree: list[tuple[Pair, cm.CustomerCard, cm.CustomerCard]] = field(default_factory=list)


def label_shop(key: str, card: cm.CustomerCard) -> str:
    if key.startswith("ico:"):
        return f"Host s IČO {key[4:]} – {card.title}"
    return f"Zákazník #{key} – {card.title}"


def label_pohoda(pohoda_id: int | None, card: cm.CustomerCard) -> str:
    return f"Adresa POHODA #{pohoda_id} – {card.title}"


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]



"""Which warehouse (sklad) a stock line of an order goes out of.

POHODA looks a stock line's card up by code; with ``typ:store`` given, only in
that warehouse. Sending the warehouse chosen in *Nastavení › Objednávky ›
Sklad* on every line made POHODA refuse every card that exists only in another
warehouse. The rule, per line, from what the adapter knows of the card:

* a card in exactly one warehouse → that warehouse (or none at all when the
  adapter knows there is one card but not its warehouse: POHODA finds it);
* a code in several warehouses → the chosen warehouse if the code is in it;
  without a chosen warehouse, or when the code is not in it, the order waits
  with a Czech reason that names the warehouses and says what to set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: where a person chooses the orders' warehouse (the UI's path, not the settings key)
STORE_SETTING = "Nastavení › Přijaté objednávky › Sklad"


@dataclass(frozen=True, slots=True)
class CardStores:
    """What the adapter knows about the warehouses holding one POHODA stock code."""

    stores: tuple[str, ...] = ()  #: warehouses known to hold the code (may be incomplete or empty)
    cards: int = 1  #: how many cards (one per warehouse) hold the code
    in_chosen: bool | None = None  #: whether POHODA confirmed the code in the chosen warehouse (None: not asked)

    @property
    def several(self) -> bool:
        """True when more than one warehouse holds the code."""
        return self.cards > 1 or len(self.stores) > 1


def merge(known: CardStores | None, stores: Iterable[str], cards: int) -> CardStores:
    """``known`` with more warehouses and a card count (the larger count wins)."""
    found = tuple(dict.fromkeys([*(known.stores if known else ()), *(s for s in stores if s)]))
    count = max(cards, known.cards if known else 1, len(found), 1)
    return CardStores(found, count, known.in_chosen if known else None)


def choose_store(code: str, info: CardStores | None, chosen: str) -> tuple[str | None, str]:
    """(the warehouse to send, or None for the card's own; "" or the Czech reason the order must wait)."""
    if info is None or not info.several:
        only = info.stores[0] if info is not None and len(info.stores) == 1 else None
        return only, ""
    where = f" ({', '.join(info.stores)})" if info.stores else ""
    if not chosen:
        return None, (f"Zásoba „{code}“ je v POHODĚ ve více skladech{where}. Zvolte v {STORE_SETTING} sklad, "
                      "ze kterého se objednávky vydávají, a spusťte přenos znovu.")
    if info.in_chosen is True or (info.in_chosen is None and (not info.stores or chosen in info.stores)):
        return chosen, ""
    return None, (f"Zásoba „{code}“ je v POHODĚ ve více skladech{where}, ale ne ve zvoleném skladu „{chosen}“. "
                  f"Založte zásobu ve skladu „{chosen}“, nebo v {STORE_SETTING} zvolte jiný sklad.")


def store_label(store: str | None) -> str:
    """The warehouse as the preview shows it."""
    return store or "sklad zásoby"

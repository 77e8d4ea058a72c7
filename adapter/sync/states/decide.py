"""What the shop should hear about one transferred order: a pure function of POHODA's facts and the settings."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from adapter.config import StatesSettings
from adapter.pohoda.states import OrderState
from adapter.writeback import STATE_KEYS, STATE_TITLES, tracking_url

#: order meta written back (stable keys, documented in the README)
META_STATE = "_pohoda_state"
META_INVOICE = "_pohoda_invoice_number"
META_TRACKING = "_pohoda_tracking_number"


@dataclass(frozen=True, slots=True)
class Change:
    """What to write on one shop order."""

    pohoda_number: str
    state: str = ""  #: the highest POHODA state reached (writeback.STATE_KEYS) or ""
    invoice: str = ""
    tracking: str = ""
    carrier: str = ""
    url: str = ""
    status: str = ""  #: the shop status to set, "" = leave it

    @property
    def empty(self) -> bool:
        """Nothing to tell the shop yet."""
        return not (self.state or self.invoice or self.tracking)

    def digest(self) -> str:
        """Identifies the change: the same digest again means nothing changed."""
        raw = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def meta(self) -> dict[str, str]:
        """The order meta to write (only the facts known)."""
        out = {META_STATE: self.state}
        if self.invoice:
            out[META_INVOICE] = self.invoice
        if self.tracking:
            out[META_TRACKING] = self.tracking
        return out

    def note(self) -> str:
        """The Czech order note (one per change)."""
        parts = [f"POHODA: objednávka {self.pohoda_number}"
                 + (f" – {STATE_TITLES[self.state]}." if self.state else ".")]
        if self.invoice:
            parts.append(f"Faktura {self.invoice}.")
        if self.tracking:
            parts.append(f"Zásilka {self.carrier + ' ' if self.carrier else ''}{self.tracking}"
                         + (f": {self.url}" if self.url else "."))
        return " ".join(parts)

    def details(self) -> dict[str, Any]:
        """The ledger's copy (a crashed write is redone from it)."""
        return asdict(self)

    @classmethod
    def from_details(cls, details: dict[str, Any]) -> Change:
        """Back from the ledger's copy."""
        return cls(**{k: str(details.get(k) or "") for k in cls.__slots__})


def pohoda_state(order: OrderState | None, invoice: str) -> str:
    """The highest state reached: delivered > executed > invoiced."""
    if order is not None and order.is_delivered:
        return "delivered"
    if order is not None and order.is_executed:
        return "executed"
    return "invoiced" if invoice else ""


def shop_status(state: str, status_map: dict[str, str]) -> str:
    """The mapped status of the highest state at or below ``state`` that has one ("" = leave it)."""
    if not state:
        return ""
    reached = STATE_KEYS[: STATE_KEYS.index(state) + 1]
    return next((status_map[s] for s in reversed(reached) if status_map.get(s)), "")


def decide(order: OrderState | None, *, pohoda_number: str, invoice: str, settings: StatesSettings,
           known: Change | None = None) -> Change:
    """The change for one order from POHODA's facts (``known``: what an earlier run saw, for facts not re-read)."""
    if order is None and known is not None:
        state = known.state or pohoda_state(None, invoice)
        tracking, carrier = known.tracking, known.carrier
    else:
        state = pohoda_state(order, invoice)
        tracking = order.tracking(settings.tracking_field) if order is not None else ""
        carrier = order.carrier if order is not None else ""
    url = tracking_url(settings.tracking_url, carrier, tracking)
    return Change(pohoda_number=pohoda_number, state=state, invoice=invoice, tracking=tracking, carrier=carrier,
                  url=url, status=shop_status(state, dict(settings.status_map)))

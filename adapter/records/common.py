"""Records both sides share: the address, the zero amount, POHODA's VAT codes and answer states."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ZERO = Decimal(0)

#: POHODA VAT rate codes (typ:vatRateType) used by the adapter.
VatRate = Literal["none", "low", "high", "third"]
#: What a POHODA answer says about one item or one detail.
ItemState = Literal["ok", "warning", "error"]


def truthy(value: str | None) -> bool:
    """Whether a flag value (an order meta, a setting typed by hand) means "yes" ("1", "yes", "true", a date …)."""
    if value is None:
        return False
    return value.strip().lower() not in ("", "0", "no", "false", "off", "ne", "n", "null")


# --------------------------------------------------------------------------- shared


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address with contact data, as both systems know it."""

    company: str = ""
    name: str = ""
    street: str = ""
    city: str = ""
    zip: str = ""
    country: str = ""  #: ISO 3166-1 alpha-2, e.g. "CZ"
    email: str = ""
    phone: str = ""
    ico: str = ""  #: Czech company id (IČO)
    dic: str = ""  #: VAT id (DIČ)

    def is_empty(self) -> bool:
        """True when no field carries a value."""
        return not any(
            (self.company, self.name, self.street, self.city, self.zip, self.email, self.phone, self.ico)
        )

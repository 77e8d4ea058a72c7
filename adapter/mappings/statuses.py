"""Shop order statuses: where the adapter reads or writes them, and which ones it knows.

A status is *known* when it is one of WooCommerce's own, used by a role below, named by
``[states] status_map`` or ``[refunds] cancel_statuses``, or marked as seen on the statuses
screen (``[mappings] known_statuses``). Any other status that orders are in — typically
one a plugin added, such as ``awaiting-shipment`` — is a *nová hodnota*: the orders run
notes it (:func:`note_shop_statuses`), it tops the statuses screen and is alerted once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from adapter.errors import AdapterError
from adapter.ledger.alerts import note_shop_value

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.eshop.base import Eshop

log = logging.getLogger(__name__)

#: WooCommerce's own order statuses (and the two internal ones)
CORE_STATUSES = frozenset({"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
                           "checkout-draft", "trash"})
#: shop status roles on the status screen: (section, key, Czech meaning, many values)
STATUS_ROLES: tuple[tuple[str, str, str, bool], ...] = (
    ("orders", "transfer_statuses", "Přijaté objednávky: přenést do POHODY ve stavu", True),
    ("orders", "transferred_status", "Přijaté objednávky: po přenosu nastavit stav", False),
    ("invoices", "invoice_statuses", "Vydané faktury: vystavit ve stavu", True),
    ("payments", "awaiting_statuses", "Zaplacené objednávky: čekají na platbu ve stavu", True),
    ("payments", "paid_status", "Zaplacené objednávky: po zaplacení nastavit stav", False),
    ("refunds", "cancel_statuses", "Zrušené objednávky: stav znamená zrušení", True),
)


def _role_values(settings: Settings, section: str, key: str) -> tuple[str, ...]:
    value = getattr(getattr(settings, section), key)
    return tuple(value) if isinstance(value, tuple) else ((value,) if value else ())


def roles_of(settings: Settings, status: str) -> list[str]:
    """The Czech meanings of the roles that use ``status``."""
    return [label for section, key, label, _many in STATUS_ROLES if status in _role_values(settings, section, key)]


def known_statuses(settings: Settings) -> set[str]:
    """Every status the settings know (see the module docstring)."""
    known = set(CORE_STATUSES) | set(settings.mappings.known_statuses) | set(settings.states.status_map.values())
    for section, key, _label, _many in STATUS_ROLES:
        known.update(_role_values(settings, section, key))
    return known


def unknown_status(settings: Settings, status: str) -> bool:
    """True for a status the settings do not know."""
    return bool(status) and status.removeprefix("wc-") not in known_statuses(settings)


def note_shop_statuses(settings: Settings, shop: Eshop, now: datetime) -> int:
    """Note every status the shop has orders in that the settings do not know; how many (never raises
    for the shop: a shop that cannot list its statuses only logs it)."""
    try:
        statuses = shop.order_statuses()
    except AdapterError as exc:
        log.info("order statuses not read: %s", exc.message)
        return 0
    new = [s for s in statuses if s.total and unknown_status(settings, s.slug)]
    for status in new:
        note_shop_value("status", status.slug, status.name, status.total, now)
    return len(new)

"""*Nová hodnota*: shop values an order used that the mapping does not know yet.

The orders run calls :func:`apply_to_order` for every order it is about to map:
a payment method, shipping method or VAT rate missing from ``[orders]``
``payment_map`` / ``carrier_map`` / ``vat_rates``, or a status the settings do not know
(:mod:`adapter.mappings.statuses`), is recorded in the ledger's
``UnmappedValue`` table (shown at the top of its mapping screen and alerted once),
and, by ``[mappings] unmapped``, the order is held until the value is mapped or
sent with the default POHODA value. Mapping the value resolves the row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from adapter.ledger.alerts import UnmappedValue, note_unmapped, open_unmapped, resolve_unmapped
from adapter.mappings.statuses import unknown_status
from adapter.sync.orders.mapping import MappingOptions, Problem, rate_key

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.records import Order

KINDS = ("payment", "carrier", "status", "tax")


@dataclass(frozen=True, slots=True)
class NewValue:
    """One unmapped value found in an order."""

    kind: str  #: payment, carrier, status, tax
    value: str
    label: str = ""


def current_map(settings: Settings, kind: str) -> dict[str, str]:
    """The mapping a kind of value is looked up in."""
    o = settings.orders
    maps = {"payment": o.payment_map, "carrier": o.carrier_map, "tax": o.vat_rates}
    return dict(maps.get(kind, {}))


def is_mapped(settings: Settings, kind: str, value: str) -> bool:
    """True when ``value`` has a non-empty POHODA value."""
    if kind == "status":
        return not unknown_status(settings, value)
    return bool(current_map(settings, kind).get(value))


def unmapped_in_order(order: Order, settings: Settings) -> list[NewValue]:
    """The order's payment method, shipping method and VAT rates that have no POHODA value, and its
    status when the settings do not know it (a plugin's status; informs only, never holds the order)."""
    found: list[NewValue] = []
    if unknown_status(settings, order.status):
        found.append(NewValue("status", order.status.removeprefix("wc-"), order.status))
    if order.payment_method and not is_mapped(settings, "payment", order.payment_method):
        found.append(NewValue("payment", order.payment_method, order.payment_method_title))
    if order.shipping_method and not is_mapped(settings, "carrier", order.shipping_method):
        title = next((line.name for line in order.lines if line.kind == "shipping" and line.name), "")
        found.append(NewValue("carrier", order.shipping_method, title))
    rates = {rate_key(line.tax_rate) for line in order.lines if line.kind == "product"}
    found += [NewValue("tax", r, f"{r} %") for r in sorted(rates) if not is_mapped(settings, "tax", r)]
    return found


def note(values: list[NewValue], example: str, now: datetime) -> None:
    """Record (or re-open) the values in the ledger; needs an open connection."""
    note_unmapped([(v.kind, v.value, v.label) for v in values], example, now)


def resolve_mapped(settings: Settings, now: datetime) -> int:
    """Mark the open rows whose value is mapped now as resolved; returns how many."""
    mapped = [row for row in open_unmapped() if is_mapped(settings, row.kind, row.value)]
    resolve_unmapped(mapped, now)
    return len(mapped)


def open_values(kind: str | None = None) -> list[UnmappedValue]:
    """Unresolved values, newest first."""
    return open_unmapped(kind)


def apply_to_order(settings: Settings, order: Order, opts: MappingOptions, now: datetime, *,
                   record: bool) -> tuple[MappingOptions, list[Problem]]:
    """Record the order's unmapped values; the options to map it with and the problems that hold it.

    ``[mappings] unmapped = "hold"`` holds an order with an unmapped payment or shipping method;
    ``"default"`` sends it with ``default_payment`` / ``default_carrier`` (none when empty).
    Unmapped VAT rates are held by the order mapping itself.
    """
    values = unmapped_in_order(order, settings)
    if record and values:
        note(values, order.number or str(order.id), now)
    methods = [v for v in values if v.kind in ("payment", "carrier")]
    if not methods:
        return opts, []
    m = settings.mappings
    if m.unmapped == "hold":
        names = {"payment": "Platební metoda", "carrier": "Způsob dopravy"}
        problems = [Problem("unmapped", f"{names[v.kind]} „{v.label or v.value}“ ({v.value}) je nová a nemá přiřazenou "
                            "hodnotu v POHODĚ; přiřaďte ji na stránce Mapování a objednávku odešlete znovu.")
                    for v in methods]
        return opts, problems
    payment_map, carrier_map = dict(opts.payment_map), dict(opts.carrier_map)
    for v in methods:
        default = m.default_payment if v.kind == "payment" else m.default_carrier
        if default:
            (payment_map if v.kind == "payment" else carrier_map)[v.value] = default
    return replace(opts, payment_map=payment_map, carrier_map=carrier_map), []

"""Order arithmetic of the WooCommerce emulator: money rounding, coupons, tax lines and totals.

WooCommerce stores prices incl. VAT for Czech shops; ``compute_order`` turns
gross lines, shipping, fees and coupons into line items, tax lines and totals
that agree with each other the way WooCommerce stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Doc = dict[str, Any]
CENT = Decimal("0.01")

#: tax class → (rate id, percent, label); "zero-rate" has no tax line.
TAX_RATES: dict[str, tuple[int, Decimal, str]] = {
    "": (1, Decimal(21), "DPH 21 %"),
    "reduced-rate": (2, Decimal(12), "DPH 12 %"),
    "zero-rate": (3, Decimal(0), "DPH 0 %"),
}
#: coupons the shop knows: code → (discount_type, amount incl. VAT in CZK)
COUPONS: dict[str, tuple[str, Decimal]] = {
    "sleva10": ("percent", Decimal(10)),
    "darkovy200": ("fixed_cart", Decimal(200)),
}


def money(value: Decimal) -> Decimal:
    """Round half up to haléře/cents, as WooCommerce's ``wc_format_decimal(…, 2)`` does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """A money string with two decimals ("123.40")."""
    return f"{money(value):.2f}"


@dataclass(frozen=True)
class LineIn:
    """One product line before totals: gross unit price incl. VAT."""

    name: str
    product_id: int
    variation_id: int
    sku: str
    quantity: int
    unit_gross: Decimal
    tax_class: str
    meta: tuple[tuple[str, str], ...] = ()
    parent_name: str | None = None
    gross_override: Decimal | None = None  #: line gross when the client gave net totals

    @property
    def gross(self) -> Decimal:
        """Line gross amount incl. VAT."""
        return self.gross_override if self.gross_override is not None else self.unit_gross * self.quantity


@dataclass(frozen=True)
class ChargeIn:
    """A shipping or fee line, gross amount incl. standard VAT."""

    title: str
    method_id: str
    gross: Decimal


def _split_gross(gross: Decimal, tax_class: str) -> tuple[Decimal, Decimal]:
    """(net, tax) for a gross amount; tax rounded per line, net = gross − tax."""
    rate = TAX_RATES.get(tax_class, TAX_RATES[""])[1]
    tax = money(gross * rate / (100 + rate))
    return gross - tax, tax


def _coupon_shares(lines: Sequence[LineIn], coupons: Sequence[tuple[str, str, Decimal]]) -> list[Decimal]:
    """Gross discount per line for the coupons (percent per line; fixed cart spread by value)."""
    grosses = [line.gross for line in lines]
    shares = [Decimal(0)] * len(lines)
    for _code, kind, amount in coupons:
        if kind == "percent":
            for i, gross in enumerate(grosses):
                shares[i] += money((gross - shares[i]) * amount / 100)
            continue
        remaining = [g - s for g, s in zip(grosses, shares, strict=True)]
        base = sum(remaining, Decimal(0))
        amount = min(amount, base)
        given = Decimal(0)
        for i, rest in enumerate(remaining):
            part = amount - given if i == len(remaining) - 1 else money(amount * rest / base) if base else Decimal(0)
            shares[i] += part
            given += part
    return shares


def compute_order(
    lines: Sequence[LineIn],
    shipping: Sequence[ChargeIn],
    fees: Sequence[ChargeIn],
    coupons: Sequence[tuple[str, str, Decimal]],
    next_item_id: Callable[[], int],
) -> Doc:
    """Line items, tax lines and totals, internally consistent as WooCommerce stores them."""
    shares = _coupon_shares(lines, coupons)
    taxes: dict[str, list[Decimal]] = {}  # tax class → [cart tax, shipping tax]
    items: list[Doc] = []
    for line, share in zip(lines, shares, strict=True):
        gross = line.gross
        sub_net, sub_tax = _split_gross(gross, line.tax_class)
        net, tax = _split_gross(gross - share, line.tax_class)
        rate_id = TAX_RATES.get(line.tax_class, TAX_RATES[""])[0]
        taxes.setdefault(line.tax_class, [Decimal(0), Decimal(0)])[0] += tax
        items.append({
            "id": next_item_id(), "name": line.name, "product_id": line.product_id,
            "variation_id": line.variation_id, "quantity": line.quantity, "tax_class": line.tax_class,
            "subtotal": fmt(sub_net), "subtotal_tax": fmt(sub_tax), "total": fmt(net), "total_tax": fmt(tax),
            "taxes": [{"id": rate_id, "total": fmt(tax), "subtotal": fmt(sub_tax)}],
            "meta_data": [{"id": next_item_id(), "key": k, "value": v, "display_key": k, "display_value": v}
                          for k, v in line.meta],
            "sku": line.sku, "global_unique_id": "", "price": float(net / line.quantity),
            "image": {"id": "", "src": ""}, "parent_name": line.parent_name,
        })
    ship_lines, ship_net, ship_tax = _charges(shipping, taxes, 1, next_item_id, shipping=True)
    fee_lines, fee_net, fee_tax = _charges(fees, taxes, 0, next_item_id, shipping=False)
    coupon_lines = _coupon_lines(coupons, items, next_item_id)
    items_net = sum((Decimal(i["total"]) for i in items), Decimal(0))
    items_tax = sum((Decimal(i["total_tax"]) for i in items), Decimal(0))
    cart_tax = items_tax + fee_tax
    total = items_net + items_tax + ship_net + ship_tax + fee_net + fee_tax
    return {
        "line_items": items, "shipping_lines": ship_lines, "fee_lines": fee_lines,
        "coupon_lines": coupon_lines, "tax_lines": _tax_lines(taxes, next_item_id),
        "discount_total": fmt(sum((Decimal(c["discount"]) for c in coupon_lines), Decimal(0))),
        "discount_tax": fmt(sum((Decimal(c["discount_tax"]) for c in coupon_lines), Decimal(0))),
        "shipping_total": fmt(ship_net), "shipping_tax": fmt(ship_tax), "cart_tax": fmt(cart_tax),
        "total": fmt(total), "total_tax": fmt(cart_tax + ship_tax),
    }


def _charges(
    charges: Sequence[ChargeIn], taxes: dict[str, list[Decimal]], slot: int,
    next_item_id: Callable[[], int], *, shipping: bool,
) -> tuple[list[Doc], Decimal, Decimal]:
    out = []
    net_sum = tax_sum = Decimal(0)
    for charge in charges:
        net, tax = _split_gross(charge.gross, "")
        net_sum += net
        tax_sum += tax
        if tax:
            taxes.setdefault("", [Decimal(0), Decimal(0)])[slot] += tax
        tax_list = [{"id": 1, "total": fmt(tax), "subtotal": ""}] if tax else []
        if shipping:
            out.append({
                "id": next_item_id(), "method_title": charge.title, "method_id": charge.method_id,
                "instance_id": "1" if charge.method_id != "free_shipping" else "2", "total": fmt(net),
                "total_tax": fmt(tax), "taxes": tax_list, "tax_status": "taxable", "meta_data": [],
            })
        else:
            out.append({
                "id": next_item_id(), "name": charge.title, "tax_class": "", "tax_status": "taxable",
                "amount": fmt(net), "total": fmt(net), "total_tax": fmt(tax), "taxes": tax_list, "meta_data": [],
            })
    return out, net_sum, tax_sum


def _coupon_lines(
    coupons: Sequence[tuple[str, str, Decimal]], items: Sequence[Doc], next_item_id: Callable[[], int],
) -> list[Doc]:
    if not coupons:
        return []
    discount = sum((Decimal(i["subtotal"]) - Decimal(i["total"]) for i in items), Decimal(0))
    discount_tax = sum((Decimal(i["subtotal_tax"]) - Decimal(i["total_tax"]) for i in items), Decimal(0))
    out = []
    for n, (code, kind, amount) in enumerate(coupons):
        last = n == len(coupons) - 1
        out.append({
            "id": next_item_id(), "code": code, "discount": fmt(discount if last else Decimal(0)),
            "discount_tax": fmt(discount_tax if last else Decimal(0)), "discount_type": kind,
            "nominal_amount": float(amount), "free_shipping": False, "meta_data": [],
        })
    return out


def _tax_lines(taxes: dict[str, list[Decimal]], next_item_id: Callable[[], int]) -> list[Doc]:
    out = []
    for tax_class in sorted(taxes, key=lambda c: TAX_RATES.get(c, TAX_RATES[""])[0]):
        rate_id, percent, label = TAX_RATES.get(tax_class, TAX_RATES[""])
        if not percent:
            continue
        cart, ship = taxes[tax_class]
        out.append({
            "id": next_item_id(), "rate_code": f"CZ-{label.replace(' ', '-').replace('%', '').strip('-')}-{rate_id}",
            "rate_id": rate_id, "label": label, "compound": False, "tax_total": fmt(cart),
            "shipping_tax_total": fmt(ship), "rate_percent": float(percent), "meta_data": [],
        })
    return out

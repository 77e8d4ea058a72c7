"""Shop refunds as records (what the refunds agenda works with; everything positive: what was given back).

WooCommerce's refund JSON is read into these in :mod:`adapter.eshop.woocommerce.refunds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from adapter.records import Order

ZERO = Decimal(0)
RefundKind = Literal["product", "shipping", "fee"]


@dataclass(frozen=True, slots=True)
class RefundLine:
    """One refunded line: what was given back for one order item (all amounts positive)."""

    kind: RefundKind
    name: str
    quantity: Decimal  #: pieces returned (0 for money only, e.g. a partial price refund)
    total: Decimal  #: net amount refunded
    total_tax: Decimal  #: tax refunded
    product_id: int | None = None
    variation_id: int | None = None
    sku: str = ""
    method_id: str = ""  #: shipping method id

    @property
    def gross(self) -> Decimal:
        """Amount refunded with tax."""
        return self.total + self.total_tax


@dataclass(frozen=True, slots=True)
class ShopRefund:
    """One refund of a shop order (``amount`` positive; ``lines`` empty for an amount-only refund)."""

    id: int
    order_id: int
    amount: Decimal
    reason: str
    created: datetime
    lines: tuple[RefundLine, ...] = ()
    currency: str = ""  #: only when the shop states it ("" = the order's)

    @property
    def lines_total(self) -> Decimal:
        """Σ of the lines with tax."""
        return sum((line.gross for line in self.lines), ZERO)


@dataclass(frozen=True, slots=True)
class OrderChange:
    """A shop order changed since a moment, with the ids of its refunds (from the order itself)."""

    order: Order
    refund_ids: tuple[int, ...] = ()

"""Products mapping — pure: the POHODA stock card for one shop product, and what an existing card would change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from adapter.czech import money, vat_name
from adapter.pohoda.envelope import PackItem
from adapter.records import Product, StockCard, StockCardDoc, VatRate

if TYPE_CHECKING:
    from adapter.config import ProductsSettings

CENT = Decimal("0.01")
#: WooCommerce tax class → POHODA VAT rate
TAX_CLASSES: dict[str, VatRate] = {"": "high", "standard": "high", "reduced-rate": "low", "zero-rate": "none"}

Mode = Literal["add", "update", "upsert"]


def vat_rate_for(tax_class: str) -> tuple[VatRate, str]:
    """POHODA's VAT rate for a shop tax class, and a Czech warning when the class is unknown."""
    key = (tax_class or "").strip().lower()
    if key in TAX_CLASSES:
        return TAX_CLASSES[key], ""
    return "high", f"Daňová třída „{tax_class}“ není známá; použita základní sazba DPH."


def card_doc(product: Product, opts: ProductsSettings) -> tuple[StockCardDoc, list[str]]:
    """The stock card for one shop product, with warnings (unknown tax class, no price)."""
    warnings: list[str] = []
    rate, warning = vat_rate_for(product.tax_class)
    if warning:
        warnings.append(warning)
    price = product.regular_price
    if price is None:
        warnings.append("Produkt nemá cenu; karta bude mít prodejní cenu 0.")
    doc = StockCardDoc(
        code=product.sku.strip(),
        name=product.name.strip() or product.sku.strip(),
        ean=product.ean.strip(),
        unit=opts.unit or "ks",
        vat_rate=rate,
        selling_price=(price or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP),
        price_includes_vat=opts.price_includes_vat,
        is_internet=opts.is_internet,
        store=opts.store or None,
        storage=opts.storage or None,
        ext_id=str(product.id),
        ext_system="e-shop",
    )
    return doc, warnings


def card_differs(doc: StockCardDoc, card: StockCard) -> list[str]:
    """What an existing card would change (name, EAN, price, VAT rate); empty = nothing."""
    changes = []
    if doc.name != card.name:
        changes.append(f"název „{card.name}“ → „{doc.name}“")
    if doc.ean and doc.ean != card.ean:
        changes.append(f"EAN {card.ean or '—'} → {doc.ean}")
    same_basis = card.selling_price_includes_vat == doc.price_includes_vat
    if card.selling_price is None or not same_basis or card.selling_price != doc.selling_price:
        changes.append(f"cena {money(card.selling_price) if card.selling_price is not None else '—'} → {money(doc.selling_price)}")
    if doc.vat_rate != card.vat_rate:
        changes.append(f"sazba DPH {vat_name(card.vat_rate)} → {vat_name(doc.vat_rate)}")
    return changes


def doc_hash(doc: StockCardDoc, mode: str) -> str:
    """The payload hash of a card as sent."""
    text = "|".join(str(v) for v in (mode, doc.code, doc.name, doc.ean, doc.unit, doc.vat_rate, doc.selling_price,
                                     doc.price_includes_vat, doc.is_internet, doc.storage or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Task:
    """One product to send: its card, the import mode and the warnings found while building it."""

    product: Product
    doc: StockCardDoc
    mode: Mode
    item: PackItem
    warnings: tuple[str, ...]

    @property
    def key(self) -> str:
        """Ledger key (shop product id)."""
        return str(self.product.id)

    @property
    def label(self) -> str:
        """Ledger label."""
        return f"{self.doc.code} – {self.doc.name}"[:200]



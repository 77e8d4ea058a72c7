"""Shared pieces of the mServer emulator's agenda handlers.

``ItemContext`` carries everything one ``dataPackItem`` needs; handlers raise
:class:`ItemError` for an item-level refusal and call ``ctx.warn`` for
warnings, which end up as ``rdc:detail`` entries with state ``warning``.
Document lines (orders, invoices, receipts) are parsed and priced here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from adapter.emulators.catalogue import STORES
from adapter.emulators.mserver.db import MServerStore
from adapter.emulators.mserver.xml_io import (
    Children,
    boolean,
    cp1250_safe,
    decimal,
    find,
    findall,
    text,
    xpath_of,
)

#: VAT percentages of the rates the emulated company uses (CZ since 2024).
VAT_PERCENT: dict[str, Decimal] = {"none": Decimal(0), "low": Decimal(12), "high": Decimal(21)}
CENT = Decimal("0.01")
ZERO = Decimal(0)

#: Address fields stored for partners and the address book (typ:addressType names).
ADDRESS_FIELDS = ("company", "name", "city", "street", "zip", "ico", "dic", "phone", "email")


class ItemError(Exception):
    """An item-level refusal: the item gets ``state="error"`` and this note."""

    def __init__(self, note: str, element: etree._Element | None = None, requested: str | None = None) -> None:
        super().__init__(note)
        self.note = note
        self.xpath = xpath_of(element) if element is not None else ""
        self.requested = requested


@dataclass
class Warning_:
    """A warning detail collected while processing an item."""

    note: str
    xpath: str = ""
    requested: str | None = None
    produced: str | None = None


@dataclass(frozen=True)
class Produced:
    """What an import created or changed (→ ``rdc:producedDetails``)."""

    record_id: int
    number: str = ""
    code: str = ""
    action: str = "add"
    ext_id: str = ""


@dataclass
class ItemContext:
    """Everything one ``dataPackItem`` handler needs."""

    store: MServerStore
    now: datetime
    warnings: list[Warning_] = field(default_factory=list)

    def warn(self, note: str, element: etree._Element | None = None, *, requested: str | None = None,
             produced: str | None = None) -> None:
        """Add a warning detail."""
        self.warnings.append(Warning_(note, xpath_of(element) if element is not None else "", requested, produced))

    @property
    def year_prefix(self) -> str:
        """Two-digit year used in document numbers (``26`` in ``26OP00001``)."""
        return f"{self.now.year % 100:02d}"


def money(value: Decimal) -> Decimal:
    """Round to haléře (half up)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def safe(value: str | None) -> str:
    """Text as POHODA stores it (Windows-1250 only; other characters become '?')."""
    return cp1250_safe(value or "")


def dec(raw: str | None) -> Decimal:
    """A stored decimal string as Decimal ('' → 0)."""
    return Decimal(raw) if raw else ZERO


# --------------------------------------------------------------------------- references


def store_by_id(store_id: int) -> str | None:
    """Warehouse code of a ``typ:store/typ:id`` (the emulator numbers its stores 1..n)."""
    return STORES[store_id - 1] if 1 <= store_id <= len(STORES) else None


def ref_store(ctx_el: etree._Element | None) -> str | None:
    """Warehouse code from a ``typ:store`` reference (``typ:id`` has priority over ``typ:ids``)."""
    if ctx_el is None:
        return None
    raw_id = text(ctx_el, "typ:id")
    if raw_id:
        found = store_by_id(int(raw_id))
        if found is None:
            raise ItemError(f"Sklad s ID {raw_id} neexistuje.", ctx_el)
        return found
    ids = text(ctx_el, "typ:ids")
    return ids or None


#: the stock columns a document line takes from its card
_STOCK_REF = "id, code, store, name, unit"


def resolve_stock(ctx: ItemContext, container: etree._Element) -> Any:
    """The stock row a ``typ:stockItemType`` container points to (priority id > ids > extId > EAN > PLU).

    With a warehouse given, every lookup except by id is limited to it. No
    match → item error naming the code; a code in several warehouses without
    a warehouse given → item error (the emulator does not guess).
    """
    parts = Children(container)
    ref = parts.find("typ:stockItem")
    refs = Children(ref)
    store = ref_store(parts.find("typ:store"))
    rid, code = refs.text("typ:id"), refs.text("typ:ids")
    ext_ids, ean, plu = refs.text("typ:extId/typ:ids"), refs.text("typ:EAN"), refs.text("typ:PLU")
    if rid:
        rows = ctx.store.query(f"SELECT {_STOCK_REF} FROM stock WHERE id = ?", (int(rid),))  # noqa: S608
        label = f"ID {rid}"
    else:
        if code:
            where, params, label = "code = ?", [code], f"kódem '{code}'"
        elif ext_ids:
            system = refs.text("typ:extId/typ:exSystemName") or ""
            where, params, label = "ext_ids = ? AND ext_system = ?", [ext_ids, system], f"extId '{ext_ids}'"
        elif ean:
            where, params, label = "ean = ?", [ean], f"EAN '{ean}'"
        else:
            raise ItemError(f"Zásoba s PLU '{plu}' neexistuje." if plu else "Chybí odkaz na zásobu.", ref)
        if store:
            where += " AND store = ?"
            params.append(store)
        rows = ctx.store.query(f"SELECT {_STOCK_REF} FROM stock WHERE {where} ORDER BY id", params)  # noqa: S608
    where_store = f" ve skladu '{store}'" if store and not rid else ""
    if not rows:
        raise ItemError(f"Zásoba s {label}{where_store} neexistuje.", ref, requested=code or rid or ean)
    if len(rows) > 1:
        stores = ", ".join(r["store"] for r in rows)
        raise ItemError(
            f"Zásoba s {label} je ve více skladech ({stores}); uveďte sklad (typ:store).", ref, requested=code
        )
    return rows[0]


# --------------------------------------------------------------------------- addresses


def parse_address(el: etree._Element | None) -> dict[str, str]:
    """A ``typ:addressType`` element as a dict of the stored fields (cp1250-safe)."""
    kids = Children(el)
    out = {name: safe(kids.text(f"typ:{name}")) for name in ADDRESS_FIELDS}
    out["country"] = safe(kids.text("typ:country/typ:ids"))
    mobil = kids.text("typ:mobilPhone")
    if mobil and not out["phone"]:
        out["phone"] = safe(mobil)
    return {k: v for k, v in out.items() if v}


def parse_partner(ctx: ItemContext, identity: etree._Element | None) -> tuple[int | None, dict[str, str]]:
    """``partnerIdentity`` (typ:address): an address book id and/or an inline address."""
    if identity is None:
        return None, {}
    raw_id = text(identity, "typ:id")
    inline = parse_address(find(identity, "typ:address"))
    if raw_id:
        row = ctx.store.one("SELECT * FROM address WHERE id = ?", (int(raw_id),))
        if row is None:
            raise ItemError(f"Adresa s ID {raw_id} v adresáři neexistuje.", find(identity, "typ:id"))
        base = {k: row[k] for k in ADDRESS_FIELDS if row[k]}
        return int(raw_id), {**base, **inline}
    return None, inline


def partner_json(partner: dict[str, str]) -> str:
    """Partner address as stored JSON."""
    return json.dumps(partner, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------- document numbers


def resolve_number(ctx: ItemContext, header: etree._Element, path: str, table: str, prefix: str) -> str:
    """Document number: ``numberRequested`` (with ``checkDuplicity``) or the next number of the series."""
    requested_el = find(header, f"{path}/typ:numberRequested")
    requested = text(requested_el)
    if not requested:
        return ctx.store.next_number(prefix, table)
    taken = ctx.store.one(f"SELECT 1 FROM {table} WHERE number = ?", (requested,))  # noqa: S608
    if not taken:
        return safe(requested)
    assert requested_el is not None
    if boolean(requested_el.get("checkDuplicity"), default=True):
        raise ItemError(f"Doklad s číslem '{requested}' již existuje.", requested_el, requested=requested)
    number = ctx.store.next_number(prefix, table)
    ctx.warn(f"Doklad s číslem '{requested}' již existuje, bylo přiděleno číslo '{number}'.", requested_el,
             requested=requested, produced=number)
    return number


# --------------------------------------------------------------------------- lines and prices


@dataclass
class Line:
    """One priced document line as stored in ``doc_item``."""

    text: str
    quantity: Decimal
    unit: str = ""
    pay_vat: bool = False
    rate_vat: str = "none"
    discount: Decimal = ZERO
    unit_price: Decimal = ZERO
    price: Decimal = ZERO
    price_vat: Decimal = ZERO
    price_sum: Decimal = ZERO
    f_unit_price: Decimal | None = None
    f_price_sum: Decimal | None = None
    stock_id: int | None = None
    code: str = ""
    store: str = ""
    note: str = ""
    source_item_id: int | None = None

    def columns(self) -> dict[str, Any]:
        """Column values for ``doc_item``."""
        return {
            "text": self.text, "quantity": str(self.quantity), "unit": self.unit, "pay_vat": int(self.pay_vat),
            "rate_vat": self.rate_vat, "discount": str(self.discount), "unit_price": str(self.unit_price),
            "price": str(self.price), "price_vat": str(self.price_vat), "price_sum": str(self.price_sum),
            "f_unit_price": "" if self.f_unit_price is None else str(self.f_unit_price),
            "f_price_sum": "" if self.f_price_sum is None else str(self.f_price_sum),
            "stock_id": self.stock_id, "code": self.code, "store": self.store, "note": self.note,
            "source_item_id": self.source_item_id,
        }


def line_amounts(quantity: Decimal, unit_price: Decimal, pay_vat: bool, percent: Decimal,
                 discount: Decimal = ZERO) -> tuple[Decimal, Decimal, Decimal]:
    """(price without VAT, VAT, price with VAT) of one line, each rounded to haléře."""
    gross = quantity * unit_price * (1 - discount / 100)
    if pay_vat:
        total = money(gross)
        base = money(total / (1 + percent / 100))
        return base, total - base, total
    base = money(gross)
    vat = money(base * percent / 100)
    return base, vat, base + vat


@dataclass(frozen=True)
class Currency:
    """Foreign currency of a document (None code → home currency CZK)."""

    code: str = ""
    rate: Decimal = Decimal(1)
    amount: int = 1

    @property
    def foreign(self) -> bool:
        """True for a document in foreign currency."""
        return bool(self.code) and self.code != "CZK"


def parse_currency(summary: etree._Element | None, prefix: str) -> Currency:
    """``…Summary/…:foreignCurrency`` (currency ids, rate, amount); home currency when absent."""
    fc = find(summary, f"{prefix}:foreignCurrency")
    if fc is None:
        return Currency()
    code = text(fc, "typ:currency/typ:ids") or ""
    rate = decimal(fc, "typ:rate")
    amount = text(fc, "typ:amount")
    currency = Currency(code, rate or Decimal(1), int(amount) if amount else 1)
    if currency.foreign and not rate:
        raise ItemError(f"Chybí kurz měny {code}.", fc)
    return currency


def parse_line(ctx: ItemContext, item: etree._Element, prefix: str, currency: Currency,
               header_pay_vat: bool | None = None, percents: Mapping[str, Decimal] | None = None) -> Line:
    """One ``…Item`` of an order/invoice/receipt as a priced :class:`Line`."""
    kids = Children(item)
    rate_raw = kids.text(f"{prefix}:rateVAT") or "none"
    if rate_raw not in (percents or VAT_PERCENT):
        raise ItemError(f"Sazba DPH '{rate_raw}' není v této účetní jednotce podporována.",
                        kids.find(f"{prefix}:rateVAT"), requested=rate_raw)
    pay_vat = boolean(kids.text(f"{prefix}:payVAT"), default=bool(header_pay_vat))
    quantity = kids.decimal(f"{prefix}:quantity")
    quantity = Decimal(1) if quantity is None else quantity
    discount = kids.decimal(f"{prefix}:discountPercentage") or ZERO
    f_unit = kids.decimal(f"{prefix}:foreignCurrency/typ:unitPrice")
    unit_price = kids.decimal(f"{prefix}:homeCurrency/typ:unitPrice")
    line = Line(text=safe(kids.text(f"{prefix}:text")), quantity=quantity, unit=safe(kids.text(f"{prefix}:unit")),
                pay_vat=pay_vat, rate_vat=rate_raw, discount=discount, note=safe(kids.text(f"{prefix}:note")))
    if currency.foreign:
        if f_unit is None:
            raise ItemError("Položka dokladu v cizí měně nemá cenu v cizí měně.", item)
        line.f_unit_price = f_unit
        unit_price = money(f_unit * currency.rate / currency.amount)
    line.unit_price = unit_price or ZERO
    container = kids.find(f"{prefix}:stockItem")
    if container is not None:
        row = resolve_stock(ctx, container)
        line.stock_id, line.code, line.store = int(row["id"]), row["code"], row["store"]
        line.text = line.text or row["name"]
        line.unit = line.unit or row["unit"]
    price_lines(line, currency, percents)
    return line


def price_lines(line: Line, currency: Currency, percents: Mapping[str, Decimal] | None = None) -> None:
    """Fill the line's home (and foreign) amounts from quantity, unit price and VAT (OSS: the country's percents)."""
    percent = (percents or VAT_PERCENT)[line.rate_vat]
    line.price, line.price_vat, line.price_sum = line_amounts(
        line.quantity, line.unit_price, line.pay_vat, percent, line.discount
    )
    if currency.foreign and line.f_unit_price is not None:
        _, _, line.f_price_sum = line_amounts(line.quantity, line.f_unit_price, line.pay_vat, percent, line.discount)
        line.price_sum = money(line.f_price_sum * currency.rate / currency.amount)
        line.price = money(line.price_sum / (1 + percent / 100)) if line.pay_vat else line.price
        line.price_vat = line.price_sum - line.price


def parse_lines(ctx: ItemContext, detail: etree._Element | None, item_tag: str, prefix: str,
                currency: Currency, percents: Mapping[str, Decimal] | None = None) -> list[Line]:
    """All lines of a ``…Detail`` element."""
    return [parse_line(ctx, item, prefix, currency, percents=percents) for item in findall(detail, item_tag)]


def store_lines(ctx: ItemContext, agenda: str, doc_id: int, lines: list[Line]) -> list[int]:
    """Insert the lines of a document; returns their ids."""
    return [ctx.store.insert("doc_item", agenda=agenda, doc_id=doc_id, pos=pos, **line.columns())
            for pos, line in enumerate(lines, start=1)]


def totals(lines: list[Line]) -> tuple[Decimal, Decimal | None]:
    """(total with VAT in CZK, total in foreign currency or None)."""
    home = sum((line.price_sum for line in lines), ZERO)
    foreign = [line.f_price_sum for line in lines if line.f_price_sum is not None]
    return home, (sum(foreign, ZERO) if foreign else None)


def move_stock(ctx: ItemContext, stock_id: int, *, count: Decimal = ZERO, reservation: Decimal = ZERO,
               element: etree._Element | None = None) -> None:
    """Change a stock row's count/reservation (reservation never below 0) and bump its ``changed``."""
    row = ctx.store.one("SELECT count, reservation, code FROM stock WHERE id = ?", (stock_id,))
    if row is None:
        return
    new_count = dec(row["count"]) + count
    new_reservation = max(dec(row["reservation"]) + reservation, ZERO)
    if count < 0 and new_count < 0:
        ctx.warn(f"Nedostatečné množství zásoby '{row['code']}' na skladě (stav {fmt_q(new_count)}).", element)
    ctx.store.update("stock", stock_id, count=str(new_count), reservation=str(new_reservation),
                     changed=ctx.store.stamp())


def fmt_q(value: Decimal) -> str:
    """A quantity for a note."""
    return format(value.normalize(), "f")


def default_date(raw: str | None, fallback: date) -> str:
    """An ISO date from the request or the fallback."""
    return raw or fallback.isoformat()

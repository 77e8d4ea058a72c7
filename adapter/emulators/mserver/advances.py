"""Advance invoices in the mServer emulator: ``issuedAdvanceInvoice`` and ``invoiceAdvancePaymentItem``.

Readings (the XSD and the Stormware sample show the elements, not every rule):

* an advance invoice is stored like an issued invoice, with its kind kept in
  ``invoice_kind``; it is paid like any invoice (``mark_paid``);
* a deduction item with ``sourceDocument`` must name an existing advance
  invoice, **paid in full** (POHODA offers only paid advances for deduction —
  confidence: medium), and may not deduct more than is left of it; without
  ``sourceDocument`` it is a manual deduction (ruční odpočet zálohy);
* the deduction is a negative line: the final invoice's total and what is
  left to pay drop by it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver.common import Currency, ItemContext, ItemError, Line, dec, money
from adapter.emulators.mserver.xml_io import Children, find, findall, text

INVOICE_TYPES = ("issuedInvoice", "issuedAdvanceInvoice")


def check_type(invoice_type: str | None, header: etree._Element) -> str:
    """The invoice type if the emulator supports it, else the item is refused."""
    if invoice_type not in INVOICE_TYPES:
        raise ItemError(f"Typ faktury '{invoice_type}' emulátor nepodporuje; jen {', '.join(INVOICE_TYPES)}.",
                        find(header, "inv:invoiceType"))
    return invoice_type


def _source(ctx: ItemContext, item: etree._Element) -> Any | None:
    source = find(item, "inv:sourceDocument")
    if source is None:
        return None
    number = text(source, "typ:number") or ""
    row = ctx.store.one("SELECT i.*, k.deducted FROM issued_invoice i JOIN invoice_kind k ON k.id = i.id "
                        "WHERE i.number = ? AND k.kind = 'issuedAdvanceInvoice'", (number,))
    if row is None:
        raise ItemError(f"Zálohová faktura '{number}' neexistuje.", source, requested=number)
    if dec(row["to_pay"]) > 0:
        raise ItemError(f"Zálohová faktura '{number}' není uhrazena; odečíst lze jen uhrazenou zálohu.", source,
                        requested=number)
    return row


def parse_deductions(ctx: ItemContext, detail: etree._Element | None,
                     currency: Currency) -> tuple[list[Line], list[tuple[int, Decimal]]]:
    """Deduction lines (negative) and (advance invoice id, deducted amount) for each sourced one."""
    lines: list[Line] = []
    used: list[tuple[int, Decimal]] = []
    for item in findall(detail, "inv:invoiceAdvancePaymentItem"):
        kids = Children(item)
        block = kids.find("inv:foreignCurrency" if currency.foreign else "inv:homeCurrency")
        if block is None:
            raise ItemError("Odpočet zálohy nemá ceny v měně dokladu.", item)
        gross = dec(text(block, "typ:priceSum")) if text(block, "typ:priceSum") else (
            dec(text(block, "typ:price")) + dec(text(block, "typ:priceVAT")))
        if gross >= 0:
            raise ItemError("Odpočet zálohy musí být záporná částka.", block)
        home = money(gross * currency.rate / currency.amount) if currency.foreign else gross
        line = Line(text=kids.text("inv:note") or "Odpočet zálohy", quantity=Decimal(1), pay_vat=True,
                    rate_vat=kids.text("inv:rateVAT") or "none", unit_price=home, price_sum=home,
                    price=home if (kids.text("inv:rateVAT") or "none") == "none" else money(
                        home * dec(text(block, "typ:price")) / gross), f_unit_price=gross if currency.foreign else None,
                    f_price_sum=gross if currency.foreign else None)
        line.price_vat = line.price_sum - line.price
        row = _source(ctx, item)
        if row is not None:
            left = dec(row["total"]) - dec(row["deducted"])
            if -home > left:
                raise ItemError(f"Odpočet {-home} převyšuje nevyčerpanou částku zálohy '{row['number']}' ({left}).",
                                item)
            used.append((int(row["id"]), -home))
        lines.append(line)
    return lines, used


def record(ctx: ItemContext, invoice_id: int, invoice_type: str, used: list[tuple[int, Decimal]]) -> None:
    """Keep the invoice's kind and raise the deducted amount of each advance it used."""
    ctx.store.insert("invoice_kind", id=invoice_id, kind=invoice_type, deducted="0")
    for advance_id, amount in used:
        row = ctx.store.one("SELECT deducted FROM invoice_kind WHERE id = ?", (advance_id,))
        ctx.store.update("invoice_kind", advance_id, deducted=str(dec(row["deducted"] if row else "0") + amount))


def advance_state(store: Any, number: str) -> dict[str, Any] | None:
    """Inspection: kind, total, deducted and to pay of the invoice ``number``."""
    row = store.one("SELECT i.total, i.to_pay, k.kind, k.deducted FROM issued_invoice i "
                    "LEFT JOIN invoice_kind k ON k.id = i.id WHERE i.number = ?", (number,))
    if row is None:
        return None
    return {"kind": row["kind"] or "issuedInvoice", "total": dec(row["total"]), "to_pay": dec(row["to_pay"]),
            "deducted": dec(row["deducted"] or "0")}

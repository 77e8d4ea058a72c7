"""Advance invoices in the mServer emulator: ``issuedAdvanceInvoice`` and ``invoiceAdvancePaymentItem``.

Readings (the XSD and the Stormware sample show the elements, not every rule):

* an advance invoice is stored like an issued invoice, with its kind kept in
  ``invoice_kind``; it is paid like any invoice (``mark_paid``);
* a deduction item with ``sourceDocument`` must name an existing advance
  invoice, **paid in full** (POHODA offers only paid advances for deduction —
  confidence: medium), and may not deduct more than is left of it; without
  ``sourceDocument`` it is a manual deduction (ruční odpočet zálohy);
* the deduction is a negative line: the final invoice's total and what is
  left to pay drop by it. Of a foreign-currency advance the deduction's home
  amount is the advance's own home amount pro rata, not the foreign amount at
  the final invoice's rate (POHODA books the rate difference apart,
  ``rateExcRateDiff``) — confidence: medium;
* ``sourceDocument`` may name a tax document for the advance's payment
  (:mod:`~adapter.emulators.mserver.tax_documents`): the advance it was issued
  for is deducted; an advance with a tax document can only be deducted so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver import tax_documents
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
    if row is not None and (taxed := tax_documents.tax_document_of(ctx, int(row["id"]))):
        raise ItemError(f"K zálohové faktuře '{number}' existuje daňový doklad '{taxed}'; odečtěte jej místo "
                        "zálohové faktury.", source, requested=number)
    row = row if row is not None else tax_documents.advance_of(ctx, number)
    if row is None:
        raise ItemError(f"Zálohová faktura ani daňový doklad '{number}' neexistuje.", source, requested=number)
    if dec(row["to_pay"]) > 0:
        raise ItemError(f"Zálohová faktura '{number}' není uhrazena; odečíst lze jen uhrazenou zálohu.", source,
                        requested=number)
    return row


def _home(gross: Decimal, currency: Currency, row: Any | None) -> Decimal:
    """The home amount of a deduction: of a foreign advance, its own home amount pro rata (not at today's rate)."""
    if not currency.foreign:
        return gross
    if row is not None and row["currency"] and dec(row["total_foreign"]):
        return money(dec(row["total"]) * gross / dec(row["total_foreign"]))
    return money(gross * currency.rate / currency.amount)


def parse_deductions(ctx: ItemContext, detail: etree._Element | None,
                     currency: Currency) -> tuple[list[Line], list[tuple[int, Decimal]]]:
    """Deduction lines (negative) and (advance invoice id, deducted amount in its currency) for each sourced one."""
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
        row = _source(ctx, item)
        if row is not None:  # compared in the advance's own currency (foreign amounts are exact, home ones rounded)
            amount = -gross
            left = dec(row["total_foreign"] if row["currency"] else row["total"]) - dec(row["deducted"])
            if amount > left:
                raise ItemError(f"Odpočet {amount} převyšuje nevyčerpanou částku zálohy '{row['number']}' ({left}).",
                                item)
            used.append((int(row["id"]), amount))
        home = _home(gross, currency, row)
        rate = kids.text("inv:rateVAT") or "none"
        base = home if rate == "none" else money(home * dec(text(block, "typ:price")) / gross)
        lines.append(Line(text=kids.text("inv:note") or "Odpočet zálohy", quantity=Decimal(1), pay_vat=True,
                          rate_vat=rate, unit_price=home, price=base, price_vat=home - base, price_sum=home,
                          f_unit_price=gross if currency.foreign else None,
                          f_price_sum=gross if currency.foreign else None))
    return lines, used


def record(ctx: ItemContext, invoice_id: int, invoice_type: str, used: list[tuple[int, Decimal]]) -> None:
    """Keep the invoice's kind and raise the deducted amount of each advance it used."""
    ctx.store.insert("invoice_kind", id=invoice_id, kind=invoice_type, deducted="0")
    for advance_id, amount in used:
        row = ctx.store.one("SELECT deducted FROM invoice_kind WHERE id = ?", (advance_id,))
        ctx.store.update("invoice_kind", advance_id, deducted=str(dec(row["deducted"] if row else "0") + amount))


def advance_state(store: Any, number: str) -> dict[str, Any] | None:
    """Inspection: kind, total, deducted (in the invoice's currency) and to pay of the invoice ``number``."""
    row = store.one("SELECT i.total, i.total_foreign, i.to_pay, k.kind, k.deducted FROM issued_invoice i "
                    "LEFT JOIN invoice_kind k ON k.id = i.id WHERE i.number = ?", (number,))
    if row is None:
        return None
    return {"kind": row["kind"] or "issuedInvoice", "total": dec(row["total"]), "to_pay": dec(row["to_pay"]),
            "total_foreign": dec(row["total_foreign"]) if row["total_foreign"] else None,
            "deducted": dec(row["deducted"] or "0")}

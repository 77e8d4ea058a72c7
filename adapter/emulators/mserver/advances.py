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
  for is deducted; an advance with a tax document can only be deducted so;
* a deduction with a rate takes the percent of the document's table (OSS: the
  ``MOSS`` country's, :mod:`~adapter.emulators.mserver.eu`; a code the table
  lacks is refused). Deducting the whole amount a tax document holds in that
  rate, its base and VAT are the tax document's (POHODA copies them, so a
  fully prepaid invoice nets to zero per rate); otherwise the amount is split
  as one ``payVAT`` item. POHODA would replace a different split sent in
  ``price`` / ``priceVAT`` silently; the emulator refuses it, so a wrong split
  fails the tests — confidence: medium. An item's own ``classificationVAT``
  must be the document's (the builder repeats it so POHODA does not take the
  deducted document's — an advance invoice has none).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver import tax_documents
from adapter.emulators.mserver.common import VAT_PERCENT, Currency, ItemContext, ItemError, Line, dec, money
from adapter.emulators.mserver.eu import DocVatInfo
from adapter.emulators.mserver.xml_io import Children, find, findall, text

INVOICE_TYPES = ("issuedInvoice", "issuedAdvanceInvoice")


def check_type(invoice_type: str | None, header: etree._Element) -> str:
    """The invoice type if the emulator supports it, else the item is refused."""
    if invoice_type not in INVOICE_TYPES:
        raise ItemError(f"Typ faktury '{invoice_type}' emulátor nepodporuje; jen {', '.join(INVOICE_TYPES)}.",
                        find(header, "inv:invoiceType"))
    return invoice_type


def _source(ctx: ItemContext, item: etree._Element) -> tuple[Any | None, str]:
    """(the advance invoice row a deduction names, the tax document's number when it names one, else "")."""
    source = find(item, "inv:sourceDocument")
    if source is None:
        return None, ""
    number = text(source, "typ:number") or ""
    row = ctx.store.one("SELECT i.*, k.deducted FROM issued_invoice i JOIN invoice_kind k ON k.id = i.id "
                        "WHERE i.number = ? AND k.kind = 'issuedAdvanceInvoice'", (number,))
    if row is not None and (taxed := tax_documents.tax_document_of(ctx, int(row["id"]))):
        raise ItemError(f"K zálohové faktuře '{number}' existuje daňový doklad '{taxed}'; odečtěte jej místo "
                        "zálohové faktury.", source, requested=number)
    tax_number = "" if row is not None else number
    row = row if row is not None else tax_documents.advance_of(ctx, number)
    if row is None:
        raise ItemError(f"Zálohová faktura ani daňový doklad '{number}' neexistuje.", source, requested=number)
    if dec(row["to_pay"]) > 0:
        raise ItemError(f"Zálohová faktura '{number}' není uhrazena; odečíst lze jen uhrazenou zálohu.", source,
                        requested=number)
    return row, tax_number


def _home(gross: Decimal, currency: Currency, row: Any | None) -> Decimal:
    """The home amount of a deduction: of a foreign advance, its own home amount pro rata (not at today's rate)."""
    if not currency.foreign:
        return gross
    if row is not None and row["currency"] and dec(row["total_foreign"]):
        return money(dec(row["total"]) * gross / dec(row["total_foreign"]))
    return money(gross * currency.rate / currency.amount)


def _split(gross: Decimal, rate: str, percent: Decimal, currency: Currency, row: Any | None,
           held: tax_documents.RateAmounts | None) -> tuple[Decimal, Decimal, Decimal]:
    """(home sum, home base, base in the document currency) POHODA gives a deduction of ``gross``.

    ``held``: what the tax document holds in the rate when the deduction takes all of it (its split is copied).
    """
    if held is not None:
        return -held.total, -held.base, -(held.f_base if held.f_base is not None else held.base)
    home = _home(gross, currency, row)
    if rate == "none":
        return home, home, gross
    return home, money(home / (1 + percent / 100)), money(gross / (1 + percent / 100))


def _deduction(ctx: ItemContext, item: etree._Element, currency: Currency, vat: DocVatInfo) -> tuple[Line, Any | None]:
    """One deduction item as a priced line, and the advance invoice row it deducts (None: a manual one)."""
    kids, table = Children(item), vat.percents or VAT_PERCENT
    own = kids.text("inv:classificationVAT/typ:ids") or ""
    if own and own != vat.classification:
        raise ItemError(f"Členění DPH odpočtu zálohy '{own}' neodpovídá členění dokladu "
                        f"'{vat.classification or 'bez členění'}'.", kids.find("inv:classificationVAT"), requested=own)
    block = kids.find("inv:foreignCurrency" if currency.foreign else "inv:homeCurrency")
    if block is None:
        raise ItemError("Odpočet zálohy nemá ceny v měně dokladu.", item)
    gross = dec(text(block, "typ:priceSum")) if text(block, "typ:priceSum") else (
        dec(text(block, "typ:price")) + dec(text(block, "typ:priceVAT")))
    rate = kids.text("inv:rateVAT") or "none"
    if rate not in table:
        raise ItemError(f"Sazba DPH '{rate}' odpočtu zálohy není mezi sazbami dokladu.", kids.find("inv:rateVAT"),
                        requested=rate)
    row, taxed = _source(ctx, item)
    held = tax_documents.rate_amounts(ctx, taxed, rate, table[rate]) if taxed else None
    if taxed and rate != "none" and held is None:
        raise ItemError(f"Daňový doklad '{taxed}' nemá částku v sazbě '{rate}'; odpočet v ní nelze.", item,
                        requested=rate)
    reverses = held is not None and -gross == (held.f_total if currency.foreign else held.total)
    if gross >= 0 and not (gross and reverses):  # a negative amount a tax document holds is deducted positive
        raise ItemError("Odpočet zálohy musí být záporná částka.", block)
    home, base, own_base = _split(gross, rate, table[rate], currency, row, held if reverses else None)
    _check_split(block, rate, table[rate], gross, own_base)
    return Line(text=kids.text("inv:note") or "Odpočet zálohy", quantity=Decimal(1), pay_vat=True, rate_vat=rate,
                unit_price=home, price=base, price_vat=home - base, price_sum=home,
                f_unit_price=gross if currency.foreign else None,
                f_price_sum=gross if currency.foreign else None), row


def parse_deductions(ctx: ItemContext, detail: etree._Element | None, currency: Currency,
                     vat: DocVatInfo | None = None) -> tuple[list[Line], list[tuple[int, Decimal]]]:
    """Deduction lines (negative) and (advance invoice id, deducted amount in its currency) for each sourced one.

    ``vat``: the document's VAT elements — its rate table (OSS: the MOSS country's, else the home rates) and
    členění DPH, which an item's own ``classificationVAT`` must repeat.
    """
    info = vat if vat is not None else DocVatInfo()
    lines: list[Line] = []
    used: dict[int, Decimal] = {}
    rows: dict[int, Any] = {}
    for item in findall(detail, "inv:invoiceAdvancePaymentItem"):
        line, row = _deduction(ctx, item, currency, info)
        lines.append(line)
        if row is not None:
            amount = -(line.f_price_sum if currency.foreign and line.f_price_sum is not None else line.price_sum)
            used[int(row["id"])] = used.get(int(row["id"]), Decimal(0)) + amount
            rows[int(row["id"])] = row
    for advance_id, amount in used.items():  # in the advance's own currency (foreign amounts exact, home rounded)
        row = rows[advance_id]
        left = dec(row["total_foreign"] if row["currency"] else row["total"]) - dec(row["deducted"])
        if amount > left or amount <= 0:
            raise ItemError(f"Odpočet {amount} převyšuje nevyčerpanou částku zálohy '{row['number']}' ({left}) "
                            "nebo není kladný.", detail)
    return lines, list(used.items())


def _check_split(block: etree._Element, rate: str, percent: Decimal, gross: Decimal, base: Decimal) -> None:
    """Refuse a sent base / VAT that differs from POHODA's own (POHODA would replace it silently)."""
    sent_base, sent_vat = text(block, "typ:price"), text(block, "typ:priceVAT")
    if rate == "none" or (sent_base is None and sent_vat is None):
        return
    if (sent_base is not None and dec(sent_base) != base) or (sent_vat is not None and dec(sent_vat) != gross - base):
        raise ItemError(f"Odpočet zálohy v sazbě '{rate}' ({percent.normalize():f} %): základ {sent_base} a DPH "
                        f"{sent_vat} neodpovídají výpočtu POHODY (základ {base}, DPH {gross - base}).", block)


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

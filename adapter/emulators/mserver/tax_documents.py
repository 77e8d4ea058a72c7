"""Tax documents for received advance payments in the mServer emulator (``int:intDoc`` with ``int:taxDocument``).

Readings (the XSD documents the elements; see :func:`adapter.pohoda.advances.tax_document_item`):

* ``int:taxDocument/int:sourceLiquidation/typ:sourceItemId`` names the
  liquidation (payment) of an issued advance invoice; an unknown liquidation,
  one of another kind of document, or one that already has a tax document is
  refused. The emulator supports internal documents only as such tax documents.
* The items are the received amount per VAT rate; their total must equal the
  payment (in the advance's currency for a foreign one — the payment there is
  the whole advance), else the item is refused. The advance's OSS country and
  evidence are inherited unless the header names them; another OSS country is
  refused. The VAT summary is rebuilt and kept (``doc_vat`` agenda ``intdoc``).
* A final invoice deducts a paid advance that has a tax document through the
  tax document's number (``invoiceAdvancePaymentItem/sourceDocument``); naming
  the advance invoice itself is then refused (its VAT was already taxed). A
  deduction in a rate takes the base and VAT the tax document holds in that
  rate (:func:`rate_amounts`; see :mod:`~adapter.emulators.mserver.advances`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver.common import (
    Currency,
    ItemContext,
    ItemError,
    Produced,
    dec,
    default_date,
    money,
    parse_currency,
    parse_lines,
    resolve_number,
    safe,
    store_lines,
    totals,
)
from adapter.emulators.mserver.eu import load_vat, parse_vat, save_vat
from adapter.emulators.mserver.xml_io import find, text

AGENDA = "intdoc"  #: doc_item / doc_vat agenda of tax documents
_TABLE = """CREATE TABLE IF NOT EXISTS tax_document (
    id INTEGER PRIMARY KEY, number TEXT UNIQUE, payment_id INTEGER UNIQUE, advance_id INTEGER, date TEXT,
    text TEXT, sym_par TEXT, currency TEXT, total TEXT, total_foreign TEXT, ext_ids TEXT, ext_system TEXT)"""


def ensure_table(store: Any) -> None:
    """The emulator's table of tax documents (created on first use)."""
    store.query(_TABLE)


def _liquidation(ctx: ItemContext, el: etree._Element) -> tuple[Any, Any]:
    """(payment row, advance invoice row) the ``taxDocument`` names, or an item error."""
    link = find(el, "int:taxDocument")
    if link is None:
        raise ItemError("Emulátor podporuje interní doklady jen jako daňové doklady k přijaté platbě "
                        "(int:taxDocument).", el)
    raw = text(link, "int:sourceLiquidation/typ:sourceItemId") or ""
    payment = ctx.store.one("SELECT * FROM payment WHERE id = ?", (int(raw),)) if raw.isdigit() else None
    if payment is None:
        raise ItemError(f"Likvidace '{raw}' neexistuje; daňový doklad nelze vytvořit.", link, requested=raw)
    advance = ctx.store.one("SELECT i.*, k.kind FROM issued_invoice i JOIN invoice_kind k ON k.id = i.id "
                            "WHERE i.id = ?", (payment["invoice_id"],))
    if advance is None or advance["kind"] != "issuedAdvanceInvoice":
        raise ItemError(f"Likvidace '{raw}' nepatří k vydané zálohové faktuře.", link, requested=raw)
    taken = ctx.store.one("SELECT number FROM tax_document WHERE payment_id = ?", (payment["id"],))
    if taken is not None:
        raise ItemError(f"K likvidaci '{raw}' už existuje daňový doklad '{taken['number']}'.", link, requested=raw)
    return payment, advance


def _currency(el: etree._Element, advance: Any) -> Currency:
    own = parse_currency(find(el, "int:intDocSummary"), "int")
    if (own.code or "") != (advance["currency"] or ""):
        raise ItemError(f"Měna daňového dokladu ({own.code or 'CZK'}) neodpovídá zálohové faktuře "
                        f"'{advance['number']}' ({advance['currency'] or 'CZK'}).", find(el, "int:intDocSummary"))
    return own


def import_tax_document(ctx: ItemContext, el: etree._Element) -> Produced:
    """Create a tax document for a received advance payment (see the module docstring)."""
    ensure_table(ctx.store)
    header = find(el, "int:intDocHeader")
    if header is None:
        raise ItemError("Chybí int:intDocHeader.", el)
    payment, advance = _liquidation(ctx, el)
    currency = _currency(el, advance)
    inherited = load_vat(ctx, "invoice", advance["id"])
    vat = parse_vat(ctx, header, "int", inherited)
    if vat.moss != (inherited.moss if inherited is not None else ""):
        raise ItemError(f"Stát OSS daňového dokladu ('{vat.moss}') neodpovídá zálohové faktuře "
                        f"'{advance['number']}'.", find(header, "int:MOSS"))
    lines = parse_lines(ctx, find(el, "int:intDocDetail"), "int:intDocItem", "int", currency, vat.percents)
    total, total_foreign = totals(lines)
    received = dec(advance["total_foreign"]) if currency.foreign else dec(payment["amount"])
    if (total_foreign if currency.foreign else total) != received:
        raise ItemError(f"Částka daňového dokladu ({total_foreign if currency.foreign else total}) neodpovídá "
                        f"přijaté platbě ({received}).", find(el, "int:intDocDetail"))
    number = resolve_number(ctx, header, "int:number", "tax_document", f"{ctx.year_prefix}ID")
    ext = find(header, "int:extId")
    doc_id = ctx.store.insert(
        "tax_document", number=number, payment_id=payment["id"], advance_id=advance["id"],
        date=default_date(text(header, "int:date"), ctx.now.date()), text=safe(text(header, "int:text")),
        sym_par=safe(text(header, "int:symPar")), currency=currency.code if currency.foreign else "",
        total=str(total), total_foreign="" if total_foreign is None else str(total_foreign),
        ext_ids=safe(text(ext, "typ:ids")), ext_system=safe(text(ext, "typ:exSystemName")))
    store_lines(ctx, AGENDA, doc_id, lines)
    save_vat(ctx, AGENDA, doc_id, vat, lines)
    return Produced(doc_id, number=number, action="add")


def advance_of(ctx: ItemContext, number: str) -> Any | None:
    """The advance invoice row a tax document ``number`` was issued for (None: no such tax document)."""
    ensure_table(ctx.store)
    return ctx.store.one("SELECT i.*, k.deducted FROM tax_document t JOIN issued_invoice i ON i.id = t.advance_id "
                         "JOIN invoice_kind k ON k.id = i.id WHERE t.number = ?", (number,))


@dataclass(frozen=True, slots=True)
class RateAmounts:
    """What a tax document taxed in one rate: home base, VAT and sum; foreign sum and base (None: home currency)."""

    base: Decimal
    vat: Decimal
    total: Decimal
    f_total: Decimal | None
    f_base: Decimal | None


def rate_amounts(ctx: ItemContext, number: str, rate: str, percent: Decimal) -> RateAmounts | None:
    """The amounts the tax document ``number`` holds in ``rate`` (its items summed), None when it has none."""
    items = ctx.store.query("SELECT d.* FROM doc_item d JOIN tax_document t ON t.id = d.doc_id "
                            "WHERE d.agenda = ? AND t.number = ? AND d.rate_vat = ?", (AGENDA, number, rate))
    if not items:
        return None
    foreign = [dec(i["f_price_sum"]) for i in items if i["f_price_sum"]]
    return RateAmounts(
        sum((dec(i["price"]) for i in items), Decimal(0)), sum((dec(i["price_vat"]) for i in items), Decimal(0)),
        sum((dec(i["price_sum"]) for i in items), Decimal(0)), sum(foreign, Decimal(0)) if foreign else None,
        sum((money(f / (1 + percent / 100)) for f in foreign), Decimal(0)) if foreign else None)


def tax_document_of(ctx: ItemContext, advance_id: int) -> str:
    """The number of the advance invoice's tax document, "" when it has none."""
    ensure_table(ctx.store)
    row = ctx.store.one("SELECT number FROM tax_document WHERE advance_id = ?", (advance_id,))
    return str(row["number"]) if row is not None else ""


@dataclass(frozen=True, slots=True)
class EmuTaxDocument:
    """A tax document for a received payment as stored by the emulator."""

    number: str
    advance_number: str
    ext_id: str
    total: Decimal  #: with VAT in CZK
    currency: str
    total_foreign: Decimal | None
    summary: dict[str, tuple[Decimal, Decimal]]  #: percent → (base, VAT), in CZK


def tax_documents(store: Any) -> list[EmuTaxDocument]:
    """Inspection: every tax document for a received payment."""
    ensure_table(store)
    out = []
    for r in store.query("SELECT t.*, i.number AS advance_number FROM tax_document t "
                         "JOIN issued_invoice i ON i.id = t.advance_id ORDER BY t.id"):
        vat = store.one("SELECT summary FROM doc_vat WHERE agenda = ? AND doc_id = ?", (AGENDA, r["id"]))
        summary = {k: (Decimal(v[0]), Decimal(v[1])) for k, v in json.loads(vat["summary"]).items()} if vat else {}
        out.append(EmuTaxDocument(r["number"], r["advance_number"], r["ext_ids"], dec(r["total"]),
                                  r["currency"] or "CZK", dec(r["total_foreign"]) if r["total_foreign"] else None,
                                  summary))
    return out

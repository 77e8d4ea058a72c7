"""mServer emulator: issued credit notes (``issuedCreditNotice``) and received-order deletes.

As strict as we read POHODA (grades as in ``PROTOCOL.md``):

* A credit note names its original issued invoice in
  ``inv:correctiveDocument/typ:sourceDocument`` (``typ:id`` or ``typ:number``);
  an unknown original is an item error. **[DOC: XSD]** With
  ``itemTransfer`` true (the default) the original's items are copied, with
  ``false`` only the imported ``inv:invoiceDetail`` is used. **[INFERRED]**
  Without ``correctiveDocument`` the credit note stands alone (our ``text``
  link mode). Items keep their sign; a negative stock-linked quantity returns
  the goods to the warehouse. **[INFERRED]**
* ``ord:actionType/ord:delete/ftr:filter`` (``agenda="prijate_objednavky"``,
  ``ftr:id`` or ``ftr:number``) removes a received order; an order already
  invoiced (transferred into an issued invoice) or executed (*Vyřízeno*) is
  refused with an item error. **[DOC: XSD for the shape; the refusal is
  INFERRED]** A reservation the order held is released.
* VAT regime (issue 21): a credit note inherits its original invoice's
  ``MOSS`` country, evidence and period unless its header names them; a
  ``MOSS`` country other than the original's, or an OSS credit note for a
  home invoice, is refused, as is a ``foreignCurrency`` other than the
  original's. The lines are priced with the OSS country's percents and the
  VAT summary is rebuilt and kept like an invoice's (``doc_vat`` agenda
  ``credit``). **[INFERRED]**
* Credit notes are listed by ``lst:listInvoiceRequest invoiceType="issuedCreditNotice"``
  (and never in the issued-invoice list). **[INFERRED]**
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver.common import (
    Currency,
    ItemContext,
    ItemError,
    Line,
    Produced,
    dec,
    default_date,
    move_stock,
    parse_currency,
    parse_lines,
    resolve_number,
    safe,
    store_lines,
    totals,
)
from adapter.emulators.mserver.db import MServerStore
from adapter.emulators.mserver.eu import DocVatInfo, load_vat, parse_vat, save_vat
from adapter.emulators.mserver.imports import import_invoice, import_order, order_currency, parse_action
from adapter.emulators.mserver.inspection import EmuLine
from adapter.emulators.mserver.inspection import _lines as lines_of
from adapter.emulators.mserver.lists import details, doc_queries, ext_id_xml, stream
from adapter.emulators.mserver.xml_io import boolean, find, nd, text, tx

CREDIT_AGENDA = "credit"  #: doc_item.agenda of credit-note lines


# --------------------------------------------------------------------------- credit notes


def import_invoice_or_credit_note(ctx: ItemContext, el: etree._Element) -> Produced:
    """``inv:invoice``: a credit note (``issuedCreditNotice``) here, any other type by the invoice handler."""
    header = find(el, "inv:invoiceHeader")
    if header is not None and text(header, "inv:invoiceType") == "issuedCreditNotice":
        return import_credit_note(ctx, el, header)
    return import_invoice(ctx, el)


def original_invoice(ctx: ItemContext, corrective: etree._Element) -> Any:
    """The issued invoice a ``correctiveDocument`` names, or an item error."""
    source = find(corrective, "typ:sourceDocument")
    raw_id, number = text(source, "typ:id"), text(source, "typ:number")
    if raw_id:
        row = ctx.store.one("SELECT * FROM issued_invoice WHERE id = ?", (int(raw_id),))
    elif number:
        row = ctx.store.one("SELECT * FROM issued_invoice WHERE number = ?", (number,))
    else:
        raise ItemError("Doklad, ke kterému se má vytvořit opravný doklad, není určen.", corrective)
    if row is None:
        raise ItemError(f"Vydaná faktura '{raw_id or number}' nebyla nalezena; opravný doklad nelze vytvořit.",
                        source, requested=raw_id or number)
    return row


def import_credit_note(ctx: ItemContext, el: etree._Element, header: etree._Element) -> Produced:
    """Create an issued credit note; stock lines move the warehouse by their (negative) quantity."""
    corrective = find(el, "inv:correctiveDocument")
    invoice = original_invoice(ctx, corrective) if corrective is not None else None
    if find(el, "inv:links") is not None:
        raise ItemError("Dobropis nelze vytvořit přenosem (inv:links); použijte inv:correctiveDocument.",
                        find(el, "inv:links"))
    currency = _currency(el, invoice)
    vat = _vat(ctx, header, invoice)
    lines: list[Line] = []
    if invoice is not None and boolean(corrective.get("itemTransfer") if corrective is not None else None,
                                       default=True):
        lines += _copied_lines(ctx, invoice["id"])
    lines += parse_lines(ctx, find(el, "inv:invoiceDetail"), "inv:invoiceItem", "inv", currency, vat.percents)
    if not lines:
        raise ItemError("Dobropis nemá žádnou položku.", el)
    number = resolve_number(ctx, header, "inv:number", "credit_note", f"{ctx.year_prefix}DB")
    total, total_foreign = totals(lines)
    stamp = ctx.store.stamp()
    ext = find(header, "inv:extId")
    note_id = ctx.store.insert(
        "credit_note", number=number, invoice_id=invoice["id"] if invoice is not None else None,
        invoice_number=invoice["number"] if invoice is not None else safe(text(header, "inv:symPar")),
        date=default_date(text(header, "inv:date"), ctx.now.date()), text=safe(text(header, "inv:text")),
        number_order=safe(text(header, "inv:numberOrder")), sym_var=safe(text(header, "inv:symVar")),
        accounting=safe(text(header, "inv:accounting/typ:ids")),
        currency=currency.code if currency.foreign else "", rate=str(currency.rate) if currency.foreign else "",
        amount=currency.amount, total=str(total), total_foreign="" if total_foreign is None else str(total_foreign),
        ext_ids=safe(text(ext, "typ:ids")), ext_system=safe(text(ext, "typ:exSystemName")), created=stamp, changed=stamp,
    )
    store_lines(ctx, CREDIT_AGENDA, note_id, lines)
    save_vat(ctx, CREDIT_AGENDA, note_id, vat, lines)
    for line in lines:
        if line.stock_id is not None:
            move_stock(ctx, line.stock_id, count=-line.quantity)
    return Produced(note_id, number=number, action="add")


def _currency(el: etree._Element, invoice: Any | None) -> Currency:
    """The original's currency (and rate); a credit note naming another currency is refused."""
    summary = find(el, "inv:invoiceSummary")
    own = parse_currency(summary, "inv")
    if invoice is None:
        return own
    original = order_currency(invoice)
    if (find(summary, "inv:foreignCurrency") is not None and own.foreign != original.foreign) or (
            own.foreign and own.code != original.code):
        raise ItemError(f"Měna dobropisu ({own.code or 'CZK'}) neodpovídá měně faktury '{invoice['number']}' "
                        f"({original.code or 'CZK'}).", find(summary, "inv:foreignCurrency"))
    return original


def _vat(ctx: ItemContext, header: etree._Element, invoice: Any | None) -> DocVatInfo:
    """The credit note's VAT elements: the original's, unless the header names them (the same OSS country only)."""
    inherited = load_vat(ctx, "invoice", invoice["id"]) if invoice is not None else None
    vat = parse_vat(ctx, header, "inv", inherited)
    if invoice is not None and vat.moss != (inherited.moss if inherited is not None else ""):
        raise ItemError(f"Stát OSS dobropisu ('{vat.moss}') neodpovídá faktuře '{invoice['number']}' "
                        f"('{inherited.moss if inherited is not None else ''}').", find(header, "inv:MOSS"))
    return vat


def _copied_lines(ctx: ItemContext, invoice_id: int) -> list[Line]:
    """The original invoice's lines with negated quantities (``itemTransfer`` true)."""
    out = []
    for item in ctx.store.query("SELECT * FROM doc_item WHERE agenda = 'invoice' AND doc_id = ? ORDER BY pos",
                                (invoice_id,)):
        line = Line(text=item["text"], quantity=-dec(item["quantity"]), unit=item["unit"],
                    pay_vat=bool(item["pay_vat"]), rate_vat=item["rate_vat"], unit_price=dec(item["unit_price"]),
                    stock_id=item["stock_id"], code=item["code"], store=item["store"], note=item["note"])
        line.price, line.price_vat, line.price_sum = (-dec(item["price"]), -dec(item["price_vat"]),
                                                      -dec(item["price_sum"]))
        out.append(line)
    return out


def list_credit_notes(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lst:listInvoiceRequest invoiceType="issuedCreditNotice"`` → ``lst:listInvoice`` of credit notes."""
    ext_system = el.get("extSystem") or ""
    queries = doc_queries(el, "requestInvoice", "invoice", "credit_note")
    return stream(ctx, "lst:listInvoice", queries, lambda row, r: credit_note_xml(ctx, row, r, ext_system))


def credit_note_xml(ctx: ItemContext, row: Any, restriction: etree._Element | None, ext_system: str) -> str:
    """One ``lst:invoice`` of type ``issuedCreditNotice`` (with the link to its original in linkedDocuments)."""
    header = nd(
        "inv:invoiceHeader",
        tx("inv:id", row["id"]),
        ext_id_xml("inv:extId", row, ext_system),
        tx("inv:invoiceType", "issuedCreditNotice"),
        nd("inv:number", tx("typ:numberRequested", row["number"])),
        tx("inv:symVar", row["sym_var"]),
        tx("inv:date", row["date"]),
        tx("inv:dateTax", row["date"]),
        nd("inv:accounting", tx("typ:ids", row["accounting"] or None)),
        tx("inv:text", row["text"]),
        tx("inv:numberOrder", row["number_order"]),
    )
    detail_xml, summary = details(ctx, "inv", CREDIT_AGENDA, row, restriction)
    linked = ""
    if row["invoice_id"] is not None:
        linked = nd("inv:linkedDocuments", nd(
            "typ:link", tx("typ:sourceAgenda", "issuedInvoice"),
            nd("typ:sourceDocument", tx("typ:id", row["invoice_id"]), tx("typ:number", row["invoice_number"])),
        ))
    return nd("lst:invoice", header, detail_xml, summary, linked, attrs={"version": "2.0"})


# --------------------------------------------------------------------------- received-order delete


def import_order_or_delete(ctx: ItemContext, el: etree._Element) -> Produced:
    """``ord:order``: ``actionType/delete`` here, an add by the order handler."""
    mode, request, _ = parse_action(find(el, "ord:actionType"), "ord")
    if mode == "delete":
        return delete_order(ctx, request)
    return import_order(ctx, el)


def delete_order(ctx: ItemContext, request: etree._Element | None) -> Produced:
    """Remove one received order chosen by ``ftr:filter`` (id or number) unless invoiced or executed."""
    flt = find(request, "ftr:filter")
    if flt is None:
        raise ItemError("Odstranění dokladu vyžaduje filtr (ftr:filter).", request)
    if flt.get("agenda") != "prijate_objednavky":
        raise ItemError(f"Agenda filtru '{flt.get('agenda') or ''}' neodpovídá přijatým objednávkám.", flt,
                        requested=flt.get("agenda"))
    raw_id, number = text(flt, "ftr:id"), text(flt, "ftr:number")
    if raw_id:
        row = ctx.store.one("SELECT * FROM received_order WHERE id = ?", (int(raw_id),))
    elif number:
        row = ctx.store.one("SELECT * FROM received_order WHERE number = ?", (number,))
    else:
        raise ItemError("Filtr pro odstranění dokladu je prázdný.", flt)
    if row is None:
        raise ItemError(f"Přijatá objednávka '{raw_id or number}' nebyla nalezena; nic nebylo odstraněno.", flt,
                        requested=raw_id or number)
    invoice = ctx.store.one("SELECT number FROM issued_invoice WHERE order_id = ?", (row["id"],))
    if invoice is not None:
        raise ItemError(f"Přijatou objednávku '{row['number']}' nelze odstranit: je převzata do vydané faktury "
                        f"'{invoice['number']}'.", flt, requested=raw_id or number)
    if row["is_executed"]:
        raise ItemError(f"Přijatou objednávku '{row['number']}' nelze odstranit: je vyřízena.", flt,
                        requested=raw_id or number)
    if row["is_reserved"]:
        for item in ctx.store.query("SELECT stock_id, quantity FROM doc_item WHERE agenda = 'order' AND doc_id = ?",
                                    (row["id"],)):
            if item["stock_id"] is not None:
                move_stock(ctx, item["stock_id"], reservation=-dec(item["quantity"]))
    ctx.store.query("DELETE FROM doc_item WHERE agenda = 'order' AND doc_id = ?", (row["id"],))
    ctx.store.query("DELETE FROM received_order WHERE id = ?", (row["id"],))
    ctx.store.insert("deleted_order", number=row["number"], number_order=row["number_order"],
                     deleted=ctx.store.stamp())
    return Produced(int(row["id"]), number=row["number"], action="delete")


# --------------------------------------------------------------------------- inspection (for tests)


@dataclass(frozen=True, slots=True)
class EmuCreditNote:
    """An issued credit note as stored by the emulator."""

    id: int
    number: str
    invoice_number: str  #: the original issued invoice
    number_order: str
    ext_id: str
    accounting: str
    total: Decimal  #: with VAT in CZK, negative for a credit
    currency: str
    total_foreign: Decimal | None
    lines: tuple[EmuLine, ...]


def credit_notes(store: MServerStore) -> list[EmuCreditNote]:
    """Every issued credit note with its lines."""
    return [
        EmuCreditNote(id=r["id"], number=r["number"], invoice_number=r["invoice_number"],
                      number_order=r["number_order"], ext_id=r["ext_ids"], accounting=r["accounting"],
                      total=dec(r["total"]), currency=r["currency"] or "CZK",
                      total_foreign=dec(r["total_foreign"]) if r["total_foreign"] else None,
                      lines=lines_of(store, CREDIT_AGENDA, r["id"]))
        for r in store.query("SELECT * FROM credit_note ORDER BY id")
    ]


def deleted_orders(store: MServerStore) -> list[tuple[str, str]]:
    """(number, numberOrder) of every received order deleted over XML, oldest first."""
    return [(r["number"], r["number_order"]) for r in store.query("SELECT * FROM deleted_order ORDER BY id")]

"""The advance-invoice steps of the invoices job (``sync invoices``), with the same exactly-once send.

1. :func:`send_advances`: every order paid in advance (``[advances]``) that is
   transferred to POHODA and has no advance invoice yet gets one — its ledger
   row ``adv-<order id>`` in the invoices agenda goes ``sending`` before the
   POST, as every document's does; a duplicity answer counts as success.
2. :func:`final_gate`: the final invoice of such an order waits until the
   advance invoice exists and the order is paid (the payments agenda marks it
   paid when POHODA shows the advance invoice settled, and keeps an ``ok`` row
   for the order); then it deducts the
   advance (:func:`adapter.sync.advances.mapping.with_deduction`). An order
   paid before its transfer never gets an advance invoice: its final invoice
   is an ordinary one, like that of an order paid by any other method (COD,
   card), which the advances never touch.
3. With ``[advances] tax_document`` the paid advance first gets its tax
   document for the received payment (:mod:`adapter.sync.advances.tax_documents`,
   also issued by the payments run), and the final invoice deducts that tax
   document (per VAT rate) instead of the advance invoice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from adapter import ledger
from adapter.errors import AdapterError
from adapter.eshop.base import Eshop
from adapter.ledger import invoices as rows
from adapter.ledger import orders as order_rows
from adapter.pohoda.invoices import invoice_item
from adapter.records import Order, VatRate
from adapter.sync.advances import tax_documents
from adapter.sync.advances.mapping import (
    ADVANCE_PREFIX,
    advance_key,
    map_advance,
    rate_percents,
    wants_advance,
    with_deduction,
)
from adapter.sync.advances.tax_documents import tax_key
from adapter.sync.context import JobContext
from adapter.sync.documents import Prepared, details_of, payload_hash
from adapter.sync.invoices.mapping import InvoiceMapped
from adapter.sync.invoices.send import Invoices
from adapter.sync.orders.mapping import mapping_options
from adapter.sync.sending import send_batches

PAYMENTS_AGENDA = "payments"  #: the payments agenda's ledger rows, keyed by the shop order number

__all__ = ["ADVANCE_PREFIX", "Gate", "PreparedAdvance", "deduct", "document_numbers", "final_gate", "note_numbers",
           "send_advances"]


@dataclass
class PreparedAdvance(Prepared[InvoiceMapped]):
    """An advance invoice ready to send: its ledger key is ``adv-<order id>``."""

    @property
    def key(self) -> str:
        """The advance invoice's ledger key."""
        return advance_key(self.order.id)


@dataclass(frozen=True, slots=True)
class Gate:
    """What the final invoice of an advance-paid order may do: wait (``reason``) or deduct the advance."""

    reason: str = ""
    number: str = ""  #: the advance invoice's number, or its tax document's (``taxed``)
    amount: Decimal = Decimal(0)
    taxed: bool = False  #: the number is a tax document for the received payment: deducted per VAT rate
    percents: Mapping[VatRate, Decimal] | None = None  #: the order's rate table (OSS: its country's), when taxed


def send_advances(ctx: JobContext, orders: Sequence[Order], order_rows: Mapping[str, ledger.Entry]) -> None:
    """Issue the missing advance invoices of transferred orders paid in advance."""
    settings = ctx.settings
    wanted = [o for o in orders if wants_advance(o, settings.advances) and not o.paid]
    existing = rows.rows_for([advance_key(o.id) for o in wanted])
    opts, issued = mapping_options(settings), ctx.now().astimezone().date()
    ready: list[Prepared[InvoiceMapped]] = []
    for order in wanted:
        entry = existing.get(advance_key(order.id))
        row = order_rows.get(str(order.id))
        if entry is not None and entry.state in ("ok", "sending"):
            continue
        if row is None or row.state != "ok" or not (row.pohoda_number or row.pohoda_id):
            _wait(ctx, order, f"Zálohová faktura čeká na přenos objednávky {order.number} do POHODY.")
            continue
        mapped = map_advance(order, opts, issued=issued, due_days=settings.invoices.due_days,
                             series=settings.advances.numbering_series or None)
        if mapped.doc is None:
            _wait(ctx, order, " ".join(p.message for p in mapped.problems))
            continue
        ready.append(PreparedAdvance(order=order, mapped=mapped, item=invoice_item(mapped.doc),
                                     hash=payload_hash(order), entry=entry))
    send_batches(ctx, Invoices(), ready, settings.invoices.batch_size)
    tax_documents.send_tax_documents(ctx, orders)


def _wait(ctx: JobContext, order: Order, reason: str) -> None:
    """The advance invoice must wait; its held row brings the order back in the next run."""
    tax_documents.hold(ctx, advance_key(order.id), f"Zálohová faktura k objednávce {order.number}", order, reason)


def _advance_amount(entry: ledger.Entry, order: Order) -> Decimal:
    """The advance's amount: the order total as the advance invoice was issued for it (its ledger snapshot)."""
    try:
        snap = json.loads(entry.eshop_data or "{}")
        return Decimal(str(snap["total"]))
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return order.total


def final_gate(ctx: JobContext, order: Order) -> Gate | None:
    """None for an order without an advance; else whether its final invoice waits or deducts."""
    if not wants_advance(order, ctx.settings.advances):
        return None
    entry = rows.rows_for([advance_key(order.id)]).get(advance_key(order.id))
    if entry is None and order.paid:
        return None  # paid before its transfer: no advance invoice was due, the final invoice is an ordinary one
    if entry is None or entry.state != "ok" or not entry.pohoda_number:
        return Gate(reason=f"Faktura čeká na vystavení zálohové faktury k objednávce {order.number}.")
    paid = ledger.get_entry(PAYMENTS_AGENDA, order.number)
    if paid is None or paid.state != "ok":  # the shop's own "paid" is not enough: POHODA must hold the payment
        return Gate(reason=f"Faktura čeká na úhradu zálohové faktury {entry.pohoda_number}.")
    tax = rows.rows_for([tax_key(order.id)]).get(tax_key(order.id))
    if tax is not None and tax.state == "ok" and tax.pohoda_number:  # also after the setting was turned off
        return Gate(number=tax.pohoda_number, amount=_advance_amount(entry, order), taxed=True,
                    percents=rate_percents(order, mapping_options(ctx.settings)))
    if ctx.settings.advances.tax_document:
        return Gate(reason=f"Faktura čeká na daňový doklad k přijaté platbě zálohy {entry.pohoda_number}.")
    return Gate(number=entry.pohoda_number, amount=_advance_amount(entry, order))


def deduct(ctx: JobContext, mapped: InvoiceMapped, gate: Gate) -> InvoiceMapped:
    """The final invoice with the paid advance deducted."""
    if mapped.doc is None:
        return mapped
    doc = with_deduction(mapped.doc, gate.number, gate.amount, tax_document=gate.taxed, percents=gate.percents)
    return replace(mapped, doc=doc)


def document_numbers(order_id: int) -> list[tuple[str, str, str]]:
    """(Czech document name, POHODA number, ledger state) of the order's advance and final invoice, when known."""
    keys = ((advance_key(order_id), "Zálohová faktura"), (tax_key(order_id), "Daňový doklad k přijaté platbě"),
            (str(order_id), "Vydaná faktura"))
    found = rows.rows_for([key for key, _name in keys])
    out = []
    for key, name in keys:
        entry = found.get(key)
        if entry is not None:
            out.append((name, entry.pohoda_number or "", entry.state))
    return out


def note_numbers(ctx: JobContext, shop: Eshop, orders: Sequence[Order]) -> None:
    """Write the POHODA numbers of a prepaid order's documents into a private shop note (once per change)."""
    wanted = [o for o in orders if wants_advance(o, ctx.settings.advances)]
    found = rows.rows_for([k for o in wanted for k in (advance_key(o.id), tax_key(o.id), str(o.id))])
    received = order_rows.rows_for([str(o.id) for o in wanted])
    for order in wanted:
        advance, final = found.get(advance_key(order.id)), found.get(str(order.id))
        if advance is None or advance.state != "ok" or not advance.pohoda_number:
            continue
        parts = [f"objednávka přijatá {received[str(order.id)].pohoda_number}"] if str(order.id) in received else []
        parts.append(f"zálohová faktura {advance.pohoda_number}")
        tax = found.get(tax_key(order.id))
        if tax is not None and tax.state == "ok" and tax.pohoda_number:
            parts.append(f"daňový doklad k přijaté platbě {tax.pohoda_number}")
        if final is not None and final.state == "ok" and final.pohoda_number:
            parts.append(f"faktura {final.pohoda_number}")
        note = "Doklady v POHODĚ: " + ", ".join(parts) + "."
        info = details_of(advance)
        if info.get("noted") == note:
            continue
        try:
            ctx.count_request("eshop")
            shop.add_note(order.id, note, marker=note)
        except AdapterError as exc:
            ctx.event(advance.key, "warning", f"Poznámku s čísly dokladů nelze zapsat do e-shopu: {exc.message}",
                      label=advance.label)
            continue
        info["noted"] = note
        rows.answered(advance.key, details=info)

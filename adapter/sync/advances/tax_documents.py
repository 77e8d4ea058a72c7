"""Tax documents for received advance payments (daňové doklady k přijaté platbě), ``[advances] tax_document``.

When POHODA shows an advance invoice paid (the payments agenda marked its
order paid, ledger agenda ``payments``), the adapter issues the tax document
for the received payment — an internal document linked to the advance
invoice's liquidation (:func:`adapter.pohoda.advances.tax_document_item`, the
reading is written there) — with the received amount per line of the order
(its VAT rate each), the
order's regime (OSS, reverse charge, export) and, for a foreign currency, the
rate of the payment day. The final invoice then deducts the tax document
instead of the advance invoice (:func:`adapter.sync.advances.invoicing.final_gate`).

Exactly once, like every document (:func:`adapter.sync.sending.send_pack`):
the ledger row ``tax-<order id>`` (agenda ``invoices``) is committed
``sending`` before the POST, under one constant pack id with
``STW-Check-Duplicity`` and the deterministic item id ``tdd-<order id>``, so a
row a crash left ``sending`` is simply sent again and POHODA answers the
repeat with the earlier document (counted as success).

Issued from the payments run (``sync payments``) right after it marks the
orders paid, and from every invoices run for paid advances still without one
(a payment imported from POHODA's CSV export, a run that failed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapter import ledger
from adapter.errors import AdapterError
from adapter.ledger import invoices as rows
from adapter.pohoda.advances import Liquidation, TaxDocumentDoc, parse_liquidations, tax_document_item
from adapter.pohoda.answers import split_items
from adapter.pohoda.envelope import PackItem, build_pack, lookup_pack_id
from adapter.pohoda.invoices import list_invoices_request
from adapter.records import Order
from adapter.sync.advances.mapping import advance_key, map_advance, wants_advance
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of, payload_hash, snapshot
from adapter.sync.orders.mapping import MappingOptions, mapping_options, pohoda_line_total
from adapter.sync.sending import Kind, send_batches
from adapter.sync.vat.regime import doc_vat, regime_for_order

PACK_ID = "eshop-dd-platby"
TAX_PREFIX = "tax-"
PAYMENTS_AGENDA = "payments"


def tax_key(order_id: int | str) -> str:
    """The ledger key (and extId) of an order's tax document for the received payment."""
    return f"{TAX_PREFIX}{order_id}"


def label_of(number: str) -> str:
    """The ledger label of a tax document."""
    return f"Daňový doklad k přijaté platbě (objednávka {number})"


def liquidations(ctx: JobContext, numbers: Sequence[str]) -> dict[str, Liquidation]:
    """Advance invoice number → its latest liquidation (``lst:restrictionData/lst:liquidations``)."""
    if not numbers:
        return {}
    request = list_invoices_request(numbers=numbers, liquidations=True, invoice_type="issuedAdvanceInvoice")
    pack = build_pack([request], ico=ctx.settings.pohoda.ico, pack_id=lookup_pack_id("ltdd"),
                      application=ctx.settings.pohoda.application)
    ctx.count_request("pohoda")
    part = split_items(ctx.pohoda().post(pack.xml, write=False)).get(request.id)
    return parse_liquidations(part[0]) if part else {}


def map_tax_document(order: Order, opts: MappingOptions, advance_number: str,
                     paid: Liquidation) -> TaxDocumentDoc | str:
    """The tax document of an order's received advance payment, or the Czech reason it cannot be built."""
    mapped = map_advance(order, opts, issued=paid.day, due_days=0)
    if mapped.doc is None:
        return " ".join(p.message for p in mapped.problems)
    # one item per line of the order, not one per rate: POHODA splits base and VAT per item, so the tax
    # document's base and VAT per rate equal the final invoice's lines, which deduct it to zero per rate
    amounts = [(line.vat_rate, pohoda_line_total(line.quantity, line.unit_price, line.discount_percent))
               for line in mapped.doc.lines]
    regime = regime_for_order(order, opts.vat) if opts.vat is not None else None
    vat = doc_vat(regime, order, paid.day, opts.vat) if regime is not None and opts.vat is not None else None
    return TaxDocumentDoc(
        key=str(order.id), date=paid.day, advance_number=advance_number, liquidation_id=paid.id,
        amounts=tuple((rate, gross) for rate, gross in amounts if gross), partner=mapped.doc.partner,
        text=f"Daňový doklad k přijaté platbě zálohy {advance_number} (objednávka {order.number})",
        symbol_variable=mapped.doc.symbol_variable, vat=vat, currency=mapped.doc.currency, rate=mapped.doc.rate,
        amount=mapped.doc.amount, ext_id=tax_key(order.id), ext_system=opts.ext_system)


def due(ctx: JobContext, orders: Sequence[Order]) -> list[tuple[Order, ledger.Entry, ledger.Entry | None]]:
    """(order, its ok advance row, its tax row) of paid advances still without a tax document in POHODA."""
    settings = ctx.settings.advances
    if not (settings.enabled and settings.tax_document):
        return []
    wanted = [o for o in orders if wants_advance(o, settings)]
    found = rows.rows_for([k for o in wanted for k in (advance_key(o.id), tax_key(o.id))])
    paid = ledger.entries_for(PAYMENTS_AGENDA, [o.number for o in wanted])
    out = []
    for order in wanted:
        advance, tax = found.get(advance_key(order.id)), found.get(tax_key(order.id))
        if advance is None or advance.state != "ok" or not advance.pohoda_number:
            continue
        payment = paid.get(order.number)
        if payment is None or payment.state != "ok" or (tax is not None and tax.state == "ok"):
            continue
        if tax is not None and tax.state == "error" and not ctx.full:
            continue
        out.append((order, advance, tax))
    return out


def send_tax_documents(ctx: JobContext, orders: Sequence[Order]) -> None:
    """Issue the missing tax documents of paid advances among ``orders`` (see the module docstring)."""
    todo = due(ctx, orders)
    if not todo or ctx.dry_run:
        return
    paid = liquidations(ctx, [advance.pohoda_number for _o, advance, _t in todo])
    opts = mapping_options(ctx.settings)
    ready: list[PreparedTax] = []
    for order, advance, tax in todo:
        liquidation = paid.get(advance.pohoda_number)
        doc = (map_tax_document(order, opts, advance.pohoda_number, liquidation) if liquidation is not None else
               f"POHODA u zálohové faktury {advance.pohoda_number} neuvádí úhradu; daňový doklad počká.")
        if isinstance(doc, str):
            hold(ctx, tax_key(order.id), label_of(order.number), order, doc)
            continue
        ready.append(PreparedTax(order=order, item=tax_document_item(doc), entry=tax, advance=advance.pohoda_number))
    send_batches(ctx, TaxDocuments(), ready, ctx.settings.invoices.batch_size)


def hold(ctx: JobContext, key: str, label: str, order: Order, reason: str) -> None:
    """An order's advance document waits (its ``held`` row brings the order back in the next run)."""
    ctx.held(key, reason, label=label)
    if not ctx.dry_run:
        rows.hold(key, label=label, reason=reason, digest=payload_hash(order), details={"number": order.number},
                  eshop_data=snapshot(order), run=ctx.run_id)


@dataclass
class PreparedTax:
    """An order's tax document for its received advance payment, ready to send."""

    order: Order
    item: PackItem
    entry: ledger.Entry | None  #: its ledger row, if any
    advance: str  #: the advance invoice's number

    @property
    def key(self) -> str:
        """The ledger key ``tax-<order id>``."""
        return tax_key(self.order.id)

    @property
    def warnings(self) -> list[str]:
        """No mapping warnings of its own: its row keeps only POHODA's warnings."""
        return []


class TaxDocuments(Kind[PreparedTax]):
    """Tax documents for received payments in the invoices agenda, pack ``eshop-dd-platby``; never previewed."""

    rows = rows
    pack_id = PACK_ID
    progress = False

    def label(self, doc: PreparedTax) -> str:
        return label_of(doc.order.number)

    def columns(self, ctx: JobContext, doc: PreparedTax) -> dict[str, Any]:
        return {"shop_id": str(doc.order.id), "payload_hash": payload_hash(doc.order), "eshop_data": snapshot(doc.order),
                "details": {**details_of(doc.entry), "number": doc.order.number, "advance": doc.advance}}

    def done(self, doc: PreparedTax, number: str) -> str:
        return f"Daňový doklad k přijaté platbě {number}"


def after_payments(ctx: JobContext, order_numbers: Sequence[str]) -> None:
    """The payments run's hook: tax documents for the advances it just saw paid (shop orders read by number)."""
    settings = ctx.settings.advances
    if ctx.dry_run or not (settings.enabled and settings.tax_document) or not order_numbers:
        return
    try:
        ctx.count_request("eshop")
        orders = list(ctx.eshop().find_orders(list(order_numbers)).values())
        send_tax_documents(ctx, orders)
    except AdapterError as exc:  # the invoices run issues it later; the payments themselves stay marked
        ctx.event("", "warning", f"Daňové doklady k přijatým platbám nyní nelze vystavit: {exc.message}")

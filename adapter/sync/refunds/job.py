"""Dobropisy a storna: shop refunds → POHODA credit notes, cancelled orders → deleted or listed (issue 19).

One run (:class:`RefundsJob`):

1. **Reconcile** credit notes and deletes left ``sending`` by a crash: looked
   up in POHODA (credit notes by extId ``refund-<id>``, orders by number)
   before anything is sent again; shop notes a run could not write are retried.
2. **Collect** the shop orders changed since the watermark (a full run looks
   back ``[orders] recheck_days``), with their refund ids, plus every order
   with a held, pending (or, on a full run, failed) refund or cancellation.
   Only orders the orders agenda transferred count.
3. **Refunds**: each refund not yet in POHODA is mapped
   (:mod:`~adapter.sync.refunds.mapping`) — held with a Czech reason when it
   cannot be sent whole — and sent in packs exactly once
   (:mod:`~adapter.sync.refunds.send`); the shop order gets a private note
   with the credit note's number.
4. **Cancellations** (:mod:`~adapter.sync.refunds.cancels`): delete or list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, cast

from adapter import ledger
from adapter.config import Settings
from adapter.eshop.base import Eshop, EshopObjectNotFound
from adapter.eshop.refunds import OrderChange, ShopRefund
from adapter.ledger import invoices as invoice_rows
from adapter.ledger import orders as order_rows
from adapter.ledger import refunds as rows
from adapter.pohoda.credit_notes import LinkMode, SignMode, credit_note_item
from adapter.records import Order
from adapter.sync.base import TO_POHODA, AgendaJob
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.orders.evaluate import resolver_for
from adapter.sync.orders.mapping import mapping_options
from adapter.sync.refunds import cancels
from adapter.sync.refunds.invoice_facts import InvoiceFacts, invoice_facts
from adapter.sync.refunds.mapping import CreditOptions, map_credit_note
from adapter.sync.refunds.send import PreparedCredit, label_of, reconcile_sending, retry_notes, send_batch
from adapter.sync.state import next_shop_cursor, parse_utc

AGENDA = rows.AGENDA
UNKNOWN = -1  #: a refund id standing for "read this order's refunds" (an order of an open ledger row)


class RefundsJob(AgendaJob):
    """Credit notes for shop refunds and the fate of cancelled orders (see the module docstring)."""

    agenda: ClassVar[str] = AGENDA
    direction: ClassVar[str] = TO_POHODA
    actions: ClassVar[tuple[str, ...]] = ("sync", "preview", "full")
    ledger_agendas: ClassVar[dict[str, str]] = {rows.CANCELS: "Zrušené objednávky"}
    watermark: ClassVar[str | None] = AGENDA
    batch_size: ClassVar[int] = 50

    def run(self, ctx: JobContext) -> None:
        """One run: reconcile, collect, credit notes, cancellations; the watermark moves after a whole run."""
        shop = ctx.eshop()
        signpost = ctx.now()
        if not ctx.dry_run:
            ctx.progress(phase="Ověřuji nedokončené přenosy v POHODĚ", force=True)
            reconcile_sending(ctx)
            cancels.reconcile(ctx)
            retry_notes(ctx)
        ctx.progress(phase="Načítám objednávky a vrácení z e-shopu", force=True)
        checkpoint = ledger.get_checkpoint(AGENDA)
        previous = checkpoint.cursor if checkpoint else ""
        changes, max_seen = collect(ctx, shop, previous)
        sent = cancels.transferred(str(c.order.id) for c in changes)
        in_ledger = order_rows.rows_for([str(c.order.id) for c in changes])
        ours = [c for c in changes if str(c.order.id) in in_ledger]
        refunded = credit_notes(ctx, shop, ours)
        ctx.check_cancel()
        ctx.progress(phase="Zrušené objednávky", force=True)
        cancels.handle(ctx, [c.order for c in changes if str(c.order.id) in sent], refunded)
        if not ctx.dry_run:
            ledger.set_checkpoint(AGENDA, next_shop_cursor(previous, max_seen, signpost))
        ctx.report = report(ctx)
        ctx.progress(force=True)

    def card(self, settings: Settings) -> dict[str, Any]:
        """Credit notes and cancellations by state (the dashboard card)."""
        return {"summary": rows.summary()}

    def report_lines(self, report: dict[str, Any]) -> list[str]:
        """The run report in Czech lines."""
        return [f"{k}: {v}" for k, v in report.items() if k != "náhled"]


def report(ctx: JobContext) -> dict[str, object]:
    """The run report."""
    mode = ctx.settings.refunds.return_store
    out: dict[str, object] = {
        "dobropisy": ctx.counts["ok"], "čeká": ctx.counts["held"], "chyby": ctx.counts["error"],
        "beze změny": ctx.counts["skipped"], "duplicita (již v POHODĚ)": ctx.tally["duplicate"],
        "dohledáno po přerušení": ctx.tally["reconciled"], "zrušené k vyřízení": ctx.tally["cancel_listed"],
        "vrácené zboží": f"naskladní se do skladu {mode} (skladové položky dobropisu)" if mode else
                         "zásoby se nepohnou (textové položky dobropisu)",
    }
    if ctx.dry_run:
        out["náhled"] = ctx.preview_rows
    return out


def collect(ctx: JobContext, shop: Eshop, previous: str) -> tuple[list[OrderChange], datetime | None]:
    """Orders changed since the watermark with their refund ids, plus the orders of open ledger rows."""
    recheck = ctx.now() - timedelta(days=max(1, ctx.settings.orders.recheck_days))
    mark = parse_utc(previous)
    since = recheck if mark is None else (min(mark, recheck) if ctx.full else mark)
    found: dict[int, OrderChange] = {}
    max_seen: datetime | None = None
    trash = ("trash",) if "trash" in ctx.settings.refunds.cancel_statuses else ()
    for statuses in ((), trash) if trash else ((),):
        ctx.count_request("eshop")
        for change in shop.iter_order_changes(since=since, statuses=statuses):
            found[change.order.id] = change
            if max_seen is None or change.order.modified > max_seen:
                max_seen = change.order.modified
    states = ["held", "pending"] + (["error"] if ctx.full else [])
    open_ids = {e.shop_id for e in rows.in_states(states)} | {e.key for e in rows.in_states(states, rows.CANCELS)}
    for order_id in sorted(i for i in open_ids if i.isdigit() and int(i) not in found):
        ctx.count_request("eshop")
        try:
            order = shop.get_order(int(order_id))
        except EshopObjectNotFound:
            continue
        found[order.id] = OrderChange(order, (UNKNOWN,))  # its refund ids are not known here: read them
    return sorted(found.values(), key=lambda c: (c.order.modified, c.order.id)), max_seen


def credit_notes(ctx: JobContext, shop: Eshop, changes: Sequence[OrderChange]) -> dict[str, Decimal]:
    """Evaluate and send every refund not yet in POHODA; returns order id → amount credited (ok or in flight)."""
    order_ids = [str(c.order.id) for c in changes]
    known = rows.for_orders(order_ids)
    wanted = [c for c in changes if c.refund_ids and not _all_done(c.refund_ids, known.get(str(c.order.id), []))]
    refunded = {k: _credited(v) for k, v in known.items()}
    ctx.progress(0, len(wanted), "Připravuji dobropisy", force=True)
    wanted_ids = [str(c.order.id) for c in wanted]
    issued, received = invoice_rows.rows_for(wanted_ids), order_rows.rows_for(wanted_ids)
    invoices = {k: invoice_facts(issued.get(k), received.get(k)) for k in wanted_ids}
    codes = _codes(ctx, [c.order for c in wanted])
    ready: list[PreparedCredit] = []
    for change in wanted:
        ctx.count_request("eshop")
        entries = {e.key: e for e in known.get(str(change.order.id), [])}
        for refund in shop.get_refunds(change.order.id):
            prepared = evaluate(ctx, refund, change.order, entries.get(str(refund.id)), invoices, refunded, codes)
            if prepared is not None:
                ready.append(prepared)
        ctx.advance()
    size = max(1, ctx.settings.refunds.batch_size)
    for start in range(0, len(ready), size):
        ctx.check_cancel()
        send_batch(ctx, ready[start : start + size])
    return refunded


def _all_done(ids: Iterable[int], entries: Sequence[ledger.Entry]) -> bool:
    done = {e.key for e in entries if e.state in ("ok", "sending")}
    return all(str(i) in done for i in ids)


def _credited(entries: Iterable[ledger.Entry]) -> Decimal:
    return sum((Decimal(str(details_of(e).get("amount") or 0)) for e in entries if e.state in ("ok", "sending")),
               Decimal(0))


def _codes(ctx: JobContext, orders: Sequence[Order]) -> dict[str, str | None]:
    """SKU → POHODA code for the goods going back to a warehouse (only when ``return_store`` is set)."""
    if not ctx.settings.refunds.return_store or not orders:
        return {}
    skus = sorted({line.sku for o in orders for line in o.lines if line.kind == "product" and line.sku})
    return resolver_for(ctx).resolve(skus)


def evaluate(ctx: JobContext, refund: ShopRefund, order: Order, entry: ledger.Entry | None,
             invoices: dict[str, InvoiceFacts], refunded: dict[str, Decimal],
             codes: dict[str, str | None]) -> PreparedCredit | None:
    """What happens to one refund: None when done, in flight or held; else its credit note ready to send."""
    key, label = str(refund.id), label_of(refund.id, order.number)
    if entry is not None and entry.state in ("ok", "sending"):
        return None
    if entry is not None and entry.state == "error" and not ctx.full:
        ctx.skipped(key, label=label)
        return None
    invoice = invoices.get(str(order.id)) or InvoiceFacts()
    number = invoice.number
    settings = ctx.settings.refunds
    credit = CreditOptions(number_series=settings.number_series, accounting=settings.accounting, text=settings.text,
                           return_store=settings.return_store, link_mode=cast(LinkMode, settings.link_mode),
                           sign_mode=cast(SignMode, settings.sign_mode))
    before = refunded.get(str(order.id), Decimal(0))
    mapped = map_credit_note(refund, order, mapping_options(ctx.settings), credit, issued=ctx.now().astimezone().date(),
                             invoice_number=number, invoice_total=invoice.total, refunded_before=before,
                             codes=codes, invoice_rate=invoice.rate, invoice_date=invoice.tax_date)
    if mapped.doc is None:
        reason = " ".join(mapped.problems)
        ctx.held(key, reason, label=label)
        if ctx.dry_run:
            ctx.preview_rows.append({"objednávka": order.number, "vrácení": key, "stav": "čeká", "poznámka": reason})
        else:
            rows.hold(key, label=label, reason=reason, shop_id=str(order.id), run=ctx.run_id,
                      details={**details_of(entry), "order_id": order.id, "order_number": order.number,
                               "amount": str(refund.amount), "reason": reason,
                               "date": refund.created.date().isoformat()})
        return None
    refunded[str(order.id)] = before + refund.amount
    return PreparedCredit(refund=refund, order=order, item=credit_note_item(mapped.doc), invoice_number=number,
                          entry=entry, warnings=list(mapped.warnings), regime=mapped.regime, rates=mapped.rates)

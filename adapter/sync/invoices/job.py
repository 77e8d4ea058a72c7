"""Vydané faktury: e-shop orders → POHODA issued invoices (optional, ``[invoices] enabled``).

Two modes (``[invoices] mode``):

* ``linked`` (default): the invoice is built from the received order already
  transferred by the orders job (``inv:links`` to POHODA's own order number
  and id from the orders ledger), so **POHODA issues the goods from stock**.
  An order not transferred yet waits (``held``: „čeká na přenos objednávky“).
* ``standalone``: an invoice with text lines only. **POHODA then does NOT
  move stock** — the run report says so on every run.

The same exactly-once rules as orders: ``sending`` committed before the POST,
deterministic item ids under one constant pack id with
``STW-Check-Duplicity``, a duplicity answer counts as success, rows left in
``sending`` are looked up in POHODA (by extId / numberOrder) before anything
is sent again. POHODA cannot update invoices, so an order changed in the shop
after its invoice is flagged for a person, never re-sent.

The job is :class:`InvoicesJob`; the send and the reconciliation are in
:mod:`~adapter.sync.invoices.send`, every ledger write of an invoice goes
through :mod:`adapter.ledger.invoices`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from adapter import ledger
from adapter.eshop.base import Eshop
from adapter.ledger import invoices as rows
from adapter.ledger import orders as order_rows
from adapter.pohoda.invoices import invoice_item
from adapter.records import Order
from adapter.sync.advances import invoicing as advances
from adapter.sync.base import TO_POHODA, AgendaJob
from adapter.sync.context import JobContext
from adapter.sync.documents import Prepared, details_of, payload_hash, sent_before, snapshot
from adapter.sync.invoices.mapping import InvoiceMapped, map_invoice
from adapter.sync.invoices.send import PreparedInvoice, label_of, reconcile_sending, send_batch
from adapter.sync.orders.mapping import local_date, mapping_options
from adapter.sync.state import next_shop_cursor, parse_utc

AGENDA = rows.AGENDA
STANDALONE_NOTE = ("Faktury se vystavují samostatně s textovými položkami: POHODA podle nich NEvyskladní zboží "
                   "(zásoby se nepohnou). Chcete-li pohyb zásob, přepněte Nastavení › Vydané faktury na "
                   "„z přenesené objednávky“.")
LINKED_NOTE = "Faktury se vytvářejí z přenesených přijatých objednávek (inv:links): POHODA vyskladní zboží."
WAIT_ORDER = "čeká na přenos objednávky"


class InvoicesJob(AgendaJob):
    """Create the issued invoices (see the module docstring)."""

    agenda: ClassVar[str] = AGENDA
    direction: ClassVar[str] = TO_POHODA
    actions: ClassVar[tuple[str, ...]] = ("sync", "preview")
    watermark: ClassVar[str | None] = AGENDA
    batch_size: ClassVar[int] = 50

    def run(self, ctx: JobContext) -> None:
        """One run: reconcile, collect, evaluate, send in batches; the watermark moves after a whole run."""
        settings = ctx.settings
        shop = ctx.eshop()
        signpost = ctx.now()
        keys = [str(k) for k in ctx.options.get("keys") or []]
        if not ctx.dry_run:
            ctx.progress(phase="Ověřuji nedokončené přenosy v POHODĚ", force=True)
            reconcile_sending(ctx)
        ctx.progress(phase="Načítám objednávky z e-shopu", force=True)
        checkpoint = ledger.get_checkpoint(AGENDA)
        previous = checkpoint.cursor if checkpoint else ""
        found, max_seen = collect(ctx, shop, keys=keys, previous=previous)
        statuses = settings.invoices.invoice_statuses
        candidates = [o for o in found if not statuses or o.status in statuses or keys]
        entries = rows.rows_for([str(o.id) for o in candidates])
        orders = order_rows.rows_for([str(o.id) for o in candidates])
        if settings.advances.enabled:
            advances.send_advances(ctx, found, order_rows.rows_for([str(o.id) for o in found]))
        ctx.progress(0, len(candidates), "Připravuji faktury", force=True)
        ready: list[PreparedInvoice] = []
        for order in candidates:
            prepared = evaluate(ctx, order, entries.get(str(order.id)), orders.get(str(order.id)))
            if prepared is None:
                ctx.advance()
            else:
                ready.append(prepared)
        batch = max(1, settings.invoices.batch_size)
        for start in range(0, len(ready), batch):
            ctx.check_cancel()
            send_batch(ctx, ready[start : start + batch])
        if settings.advances.enabled and not ctx.dry_run:
            advances.note_numbers(ctx, shop, found)
        if not ctx.dry_run and not keys:
            ledger.set_checkpoint(AGENDA, next_shop_cursor(previous, max_seen, signpost))
        ctx.report = report(ctx)
        ctx.progress(force=True)


def report(ctx: JobContext) -> dict[str, object]:
    """The run report (shown on the run detail page)."""
    linked = ctx.settings.invoices.mode == "linked"
    out: dict[str, object] = {
        "režim": "z přenesené objednávky (POHODA vyskladní zboží)" if linked else
                 "samostatná faktura — POHODA NEpohne zásobami",
        "upozornění": LINKED_NOTE if linked else STANDALONE_NOTE,
        "vystaveno": ctx.counts["ok"], "čeká": ctx.counts["held"], "chyby": ctx.counts["error"],
        "beze změny": ctx.tally["unchanged"], "změněno po vystavení": ctx.tally["changed"],
        "duplicita (již v POHODĚ)": ctx.tally["duplicate"], "dohledáno po přerušení": ctx.tally["reconciled"],
    }
    if ctx.dry_run:
        out["náhled"] = ctx.preview_rows
    return out


def collect(ctx: JobContext, shop: Eshop, *, keys: Sequence[str], previous: str) -> tuple[list[Order], datetime | None]:
    """Orders marked for transfer changed since the watermark, plus held/pending invoice rows, or only ``keys``."""
    found: dict[int, Order] = {}
    max_seen: datetime | None = None
    if keys:
        for key in keys:
            if key.isdigit():
                ctx.count_request("eshop")
                found[int(key)] = shop.get_order(int(key))
        return list(found.values()), None
    recheck = ctx.now() - timedelta(days=max(1, ctx.settings.orders.recheck_days))
    mark = parse_utc(previous)
    since = recheck if mark is None else (min(mark, recheck) if ctx.full else mark)
    ctx.count_request("eshop")
    for order in shop.iter_orders_for_transfer(since=since):
        found[order.id] = order
        if max_seen is None or order.modified > max_seen:
            max_seen = order.modified
    states = ["held", "pending"] + (["error"] if ctx.full else [])
    again = [e for e in rows.in_states(states) if e.key.removeprefix(advances.ADVANCE_PREFIX).isdigit()
             and int(e.key.removeprefix(advances.ADVANCE_PREFIX)) not in found]
    if again:
        numbers = [str(details_of(e).get("number") or e.key) for e in again]
        ctx.count_request("eshop")
        for order in shop.find_orders(numbers).values():
            found[order.id] = order
    return sorted(found.values(), key=lambda o: (o.modified, o.id)), max_seen


def evaluate(ctx: JobContext, order: Order, entry: ledger.Entry | None,
             order_row: ledger.Entry | None) -> PreparedInvoice | None:
    """What happens to one order's invoice; returns it prepared, or None."""
    key, label = str(order.id), label_of(order.number)
    digest = payload_hash(order)
    if sent_before(ctx, entry, digest, label, lambda e: flag_changed(ctx, order, e, digest)):
        return None
    if entry is not None and entry.state == "sending":
        return None
    linked = ctx.settings.invoices.mode == "linked"
    if linked and (order_row is None or order_row.state != "ok"
                   or not (order_row.pohoda_number or order_row.pohoda_id)):
        hold(ctx, order, digest, f"Faktura {WAIT_ORDER} {order.number} do POHODY "
                                 "(vytvoří se z ní, aby POHODA vyskladnila zboží).", entry)
        return None
    gate = advances.final_gate(ctx, order)
    if gate is not None and gate.reason:
        hold(ctx, order, digest, gate.reason, entry)
        return None
    mapped = map_for(ctx, order, order_row if linked else None)
    mapped = advances.deduct(ctx, mapped, gate) if gate is not None else mapped
    if mapped.doc is None:
        hold(ctx, order, digest, " ".join(p.message for p in mapped.problems), entry)
        return None
    try:
        item = invoice_item(mapped.doc)
    except ValueError as exc:
        ctx.error(key, f"Fakturu nelze sestavit: {exc}", label=label)
        return None
    return Prepared(order=order, mapped=mapped, item=item, hash=digest, entry=entry)


def map_for(ctx: JobContext, order: Order, order_row: ledger.Entry | None) -> InvoiceMapped:
    """The invoice of one order: linked to its transferred received order (``order_row``), or stand-alone."""
    settings = ctx.settings
    opts, issued = mapping_options(settings), ctx.now().astimezone().date()
    if order_row is None:
        return map_invoice(order, opts, issued=issued, due_days=settings.invoices.due_days,
                           series=settings.invoices.numbering_series)
    return map_invoice(order, opts, issued=issued, due_days=settings.invoices.due_days,
                       link_number=order_row.pohoda_number or None, link_id=order_row.pohoda_id,
                       series=settings.invoices.numbering_series)


def hold(ctx: JobContext, order: Order, digest: str, reason: str, entry: ledger.Entry | None) -> None:
    """An invoice that must wait (order not transferred yet, missing rate …)."""
    key = str(order.id)
    ctx.held(key, reason, label=label_of(order.number))
    if ctx.dry_run:
        ctx.preview_rows.append({"objednávka": order.number, "stav": "čeká", "poznámka": reason})
        return
    info = details_of(entry)
    info.update(number=order.number, date=local_date(order.created).isoformat(), reason=reason)
    rows.hold(key, label=label_of(order.number), reason=reason, digest=digest, details=info,
              eshop_data=snapshot(order), run=ctx.run_id)


def flag_changed(ctx: JobContext, order: Order, entry: ledger.Entry, digest: str) -> None:
    """An invoiced order changed in the shop: POHODA cannot update invoices — flag it for a person."""
    key, label = str(order.id), label_of(order.number)
    info = details_of(entry)
    ctx.tally["changed"] += 1
    ctx.skipped(key, label=label)
    if (info.get("changed") or {}).get("hash") == digest:
        return
    ctx.event(key, "changed", f"Objednávka {order.number} se v e-shopu změnila po vystavení faktury "
                              f"{entry.pohoda_number}. POHODA fakturu přes XML neupraví — vystavte opravný doklad "
                              "ručně.", label=label)
    if ctx.dry_run:
        return
    info["changed"] = {"hash": digest, "at": ctx.now().isoformat(), "total": str(order.total)}
    warnings = [*entry.warnings_list(), "Objednávka se v e-shopu změnila po vystavení faktury; zkontrolujte doklad."]
    rows.note_change(key, details=info, warnings=list(dict.fromkeys(warnings)), eshop_data=snapshot(order))

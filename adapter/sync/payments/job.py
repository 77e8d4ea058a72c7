"""Zaplacené objednávky (Likvidace): paid issued invoices in POHODA → paid orders in the shop.

Two routes give the same plan (:mod:`~adapter.sync.payments.matching`) and the same table
(:mod:`~adapter.sync.payments.table`):

* **Upload** — POHODA's CSV export of Vydané faktury (columns Občj,
  K likvidaci, Datum) is read by :func:`~adapter.sync.payments.preview.prepare_upload`, compared with the
  shop and stored server-side as a previewed plan
  (:mod:`~adapter.sync.payments.store`). Confirming starts this job with
  ``options={"upload_id": …}``; it applies exactly that plan.
* **mServer** — without an upload id the job reads issued invoices with
  ``listInvoiceRequest`` (``lastChanges`` from the ``payments`` Checkpoint,
  paged by ``idFrom``/``count``), takes ``inv:numberOrder`` as the shop's
  order number and ``inv:liquidation/typ:amountHome`` as what is left to pay,
  and plans with :func:`~adapter.sync.payments.matching.plan_from_invoices`.

Applying: every order in ``to_mark_paid`` is marked by
``eshop.mark_paid`` (an order awaiting payment moves to ``[payments]
paid_status``; meta and a private note record the invoice and the date) and
gets a ledger Entry (agenda ``payments``, key = order number, state ``ok``,
``pohoda_number`` = invoice). An order with an ``ok`` Entry is never marked
again, so repeating a file or a run changes nothing. Partly paid orders are
listed, never marked; orders paid in POHODA but cancelled (etc.) in the shop
are held for a person. ``ctx.dry_run`` only previews.

``lastChanges`` lists only the invoices that changed, but an order may have
several invoices: the Checkpoint's ``extra["open"]`` remembers the invoices
of every order that still has an open one, so an order is judged on all its
invoices, not just the one that changed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from adapter import ledger
from adapter.errors import AdapterError
from adapter.sync.advances.tax_documents import after_payments
from adapter.sync.base import TO_SHOP, AgendaJob
from adapter.sync.payments.matching import DEFAULT_BLOCKED_STATUSES, plan_from_invoices
from adapter.sync.payments.preview import upload_source
from adapter.sync.payments.pull import (
    SHOP_BATCH,
    fetch_shop_states,
    list_page_size,
    merge_open_invoices,
    open_from_extra,
    order_numbers_of,
    read_invoices,
    shop_progress,
    update_open_invoices,
)
from adapter.sync.payments.send import AGENDA, apply_plan
from adapter.sync.payments.store import load_upload
from adapter.sync.payments.table import czech_date
from adapter.sync.state import next_pohoda_cursor, pohoda_since

if TYPE_CHECKING:
    from adapter.sync.context import JobContext


class PaymentsJob(AgendaJob):
    """Paid invoices in POHODA → paid orders in the shop; see the module docstring."""

    agenda = AGENDA
    direction = TO_SHOP
    actions = ("sync", "preview", "full")
    watermark = AGENDA
    batch_size = SHOP_BATCH

    def sides(self, ctx: JobContext) -> tuple[str, ...]:
        """An uploaded CSV needs only the shop; the mServer route needs both sides."""
        return ("eshop",) if ctx.options.get("upload_id") else ("pohoda", "eshop")

    def run(self, ctx: JobContext) -> None:
        """Apply a stored upload, or read paid invoices over mServer."""
        upload_id = ctx.options.get("upload_id")
        if upload_id:
            self.run_upload(ctx, str(upload_id))
        else:
            self.run_mserver(ctx)

    def run_upload(self, ctx: JobContext, upload_id: str) -> None:
        """Apply the plan the user saw in the preview of an upload."""
        upload = load_upload(ctx.settings.data_dir, upload_id)
        if upload is None:
            raise AdapterError(
                "Nahraný soubor už není k dispozici (nahrávky se mažou po 30 dnech). "
                "Nahrajte export z POHODY znovu na stránce Zaplacené objednávky."
            )
        apply_plan(ctx, upload.plan, source=upload_source(upload), recheck=True)
        after_payments(ctx, [m.order_number for m in upload.plan.to_mark_paid])  # [advances] tax_document

    def run_mserver(self, ctx: JobContext) -> None:
        """Read issued invoices changed since the Checkpoint and mark the paid orders."""
        settings = ctx.settings.payments
        checkpoint = ledger.get_checkpoint(AGENDA)
        previous = checkpoint.cursor if checkpoint is not None else ""
        since = None if ctx.full else pohoda_since(previous, timedelta(minutes=settings.overlap_minutes))
        remembered = {} if since is None or checkpoint is None else open_from_extra(checkpoint.extra_dict())
        signpost = ctx.now().astimezone()
        invoices, stamp = read_invoices(ctx, since, list_page_size(ctx.options.get("page_size")))
        merged = merge_open_invoices(invoices, remembered)
        numbers = order_numbers_of(merged)
        ctx.progress(0, len(numbers), "Zjišťuji stav objednávek v e-shopu")
        states = (fetch_shop_states(ctx.eshop(), numbers, on_batch=lambda done, total: shop_progress(ctx, done, total))
                  if numbers else {})
        plan = plan_from_invoices(merged, states, tolerance=settings.tolerance, blocked_statuses=DEFAULT_BLOCKED_STATUSES)
        changes = "všechny faktury" if since is None else f"změny od {czech_date(since.date())} {since:%H:%M}"
        source = f"POHODA (mServer), vydané faktury: {changes}; načteno {len(invoices)}"
        apply_plan(ctx, plan, source=source, recheck=False)
        after_payments(ctx, [m.order_number for m in plan.to_mark_paid])  # [advances] tax_document
        ctx.report["Načteno faktur"] = len(invoices)
        if ctx.dry_run or ctx.counts["error"] or ctx.options.get("keys"):
            return  # the watermark moves only after a complete real run without failures
        opened = update_open_invoices(remembered, invoices, settings.tolerance)
        ledger.set_checkpoint(AGENDA, next_pohoda_cursor(previous, stamp, signpost), extra={"open": opened})

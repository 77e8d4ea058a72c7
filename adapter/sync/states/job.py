"""Stav objednávek do e-shopu: POHODA's news about transferred orders → the shop order.

Reads received orders and issued invoices changed since the watermark (``lastChanges``), keeps
those of orders the adapter transferred (orders ledger), and writes onto each shop order what
changed: the status by ``[states] status_map``, the meta ``_pohoda_state``,
``_pohoda_invoice_number``, ``_pohoda_tracking_number`` and one note (private or to the customer).

Exactly once per change: the change's digest is committed as ``sending`` before the shop is
written and ``ok`` after; the same digest again writes nothing. A row left ``sending`` by a crash
(or ``error``) is written again with the same values by the next run — the shop write is
idempotent (meta compared first, the note added only if not there), so the order changes once.

A status map that would put orders back into the transfer statuses is refused before anything
is read (:func:`adapter.writeback.loop_problem`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from adapter import ledger
from adapter.czech import shop_status
from adapter.errors import AdapterError, EshopError
from adapter.ledger import states as rows
from adapter.pohoda.states import OrderState
from adapter.sync.base import TO_SHOP, AgendaJob
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.state import next_pohoda_cursor, pohoda_since
from adapter.sync.states.decide import Change, decide
from adapter.sync.states.read import changed_invoices, changed_orders, orders_by_number
from adapter.writeback import STATE_TITLES, loop_problem

AGENDA = rows.AGENDA


def label_of(entry: ledger.Entry) -> str:
    """The order's label as the orders ledger has it."""
    return entry.label or f"Objednávka {entry.key}"


def refuse_loops(ctx: JobContext) -> None:
    """Raise the Czech explanation when the status map would offer orders for transfer again."""
    s = ctx.settings
    problem = loop_problem(s.states.status_map, transfer_statuses=s.orders.transfer_statuses,
                           transfer_meta_key=s.orders.transfer_meta_key, orders_enabled=s.orders.enabled)
    if problem:
        raise AdapterError(problem + " Upravte Nastavení › Stav objednávek do e-shopu.")


class StatesJob(AgendaJob):
    """Write POHODA's order states back to the shop (see the module docstring)."""

    agenda: ClassVar[str] = AGENDA
    direction: ClassVar[str] = TO_SHOP
    actions: ClassVar[tuple[str, ...]] = ("sync", "preview", "full")
    watermark: ClassVar[str | None] = AGENDA

    def run(self, ctx: JobContext) -> None:
        """One run: read POHODA's changes, decide per order, write the changed ones, move the watermark."""
        refuse_loops(ctx)
        signpost = ctx.now().astimezone()
        checkpoint = ledger.get_checkpoint(AGENDA)
        previous = checkpoint.cursor if checkpoint else ""
        overlap = timedelta(minutes=ctx.settings.states.overlap_minutes)
        since = None if ctx.full else pohoda_since(previous, overlap)
        transferred = rows.transferred()
        by_id = {e.pohoda_id: e for e in transferred if e.pohoda_id}
        by_number = {e.pohoda_number: e for e in transferred if e.pohoda_number}
        ctx.progress(0, 0, "Načítám změněné objednávky z POHODY", force=True)
        orders, stamp = changed_orders(ctx, since)
        ctx.progress(phase="Načítám vydané faktury z POHODY", force=True)
        invoices, _ = changed_invoices(ctx, since)
        entries: dict[str, ledger.Entry] = {}
        states: dict[str, OrderState] = {}
        for order in orders:
            entry = by_id.get(order.id) or by_number.get(order.number)
            if entry is not None:
                entries[entry.key], states[entry.key] = entry, order
        invoiced: dict[str, str] = {}
        for link in invoices:
            entry = (by_id.get(link.order_id) if link.order_id else None) or by_number.get(link.order_number)
            if entry is not None:
                entries[entry.key] = entry
                invoiced[entry.key] = link.number
        missing = [entries[k].pohoda_number for k in invoiced if k not in states and entries[k].pohoda_number]
        for order in orders_by_number(ctx, missing) if missing else []:
            entry = by_number.get(order.number)
            if entry is not None:
                states[entry.key] = order
        self.apply(ctx, entries, states, invoiced)
        if not ctx.dry_run:
            ledger.set_checkpoint(AGENDA, next_pohoda_cursor(previous, stamp, signpost))
        ctx.report = report(ctx, since is None)
        ctx.progress(force=True)

    def apply(self, ctx: JobContext, entries: dict[str, ledger.Entry], states: dict[str, OrderState],
              invoiced: dict[str, str]) -> None:
        """Decide and write every touched order, then redo the changes earlier runs left unfinished."""
        known_rows = rows.rows_for(entries)
        ctx.progress(0, len(entries), "Zapisuji stav do e-shopu", force=True)
        for key in sorted(entries, key=lambda k: (len(k), k)):
            row = known_rows.get(key)
            known = Change.from_details(details_of(row)) if row is not None and row.details else None
            change = decide(states.get(key), pohoda_number=entries[key].pohoda_number,
                            invoice=invoiced.get(key) or (known.invoice if known else ""),
                            settings=ctx.settings.states, known=known)
            if change.empty or (row is not None and row.payload_hash == change.digest() and row.state == "ok"):
                ctx.skipped(key, label=label_of(entries[key]))
            else:
                write(ctx, key, label_of(entries[key]), change, entries[key].pohoda_id)
            ctx.advance()
            if ctx.done % 50 == 0:
                ctx.check_cancel()
        for row in rows.unfinished():
            if row.key not in entries:
                ctx.tally["retried"] += 1
                write(ctx, row.key, row.label, Change.from_details(details_of(row)), row.pohoda_id)

    def report_lines(self, report: dict[str, Any]) -> list[str]:
        """The run report in Czech lines."""
        return [f"{k}: {v}" for k, v in report.items() if not isinstance(v, list)]


def write(ctx: JobContext, key: str, label: str, change: Change, pohoda_id: int | None) -> None:
    """Commit the change as ``sending``, write it to the shop, then ``ok`` (or ``error``, redone next run)."""
    note = change.note()
    if ctx.dry_run:
        ctx.tally["would_write"] += 1
        ctx.preview_rows.append({"objednávka": label, "stav POHODY": STATE_TITLES.get(change.state, change.state),
                                 "faktura": change.invoice, "zásilka": change.tracking,
                                 "stav e-shopu": shop_status(change.status) if change.status else "beze změny",
                                 "poznámka": note})
        ctx.event(key, "preview", note, label=label)
        return
    rows.begin(key, label=label, digest=change.digest(), details=change.details(), pohoda_id=pohoda_id,
               pohoda_number=change.pohoda_number, run=ctx.run_id)
    try:
        ctx.count_request("eshop", 3)
        status = ctx.eshop().write_back(int(key), status=change.status, meta=change.meta(), note=note,
                                        customer_note=ctx.settings.states.customer_note)
    except EshopError as exc:
        rows.fail(key, exc.message, ctx.run_id)
        ctx.error(key, f"Stav se do e-shopu nezapsal: {exc}. Zapíše se při příštím běhu.", label=label)
        return
    rows.done(key, status=status, run=ctx.run_id)
    ctx.ok(key, note, label=label)


def report(ctx: JobContext, full: bool) -> dict[str, object]:
    """The run report (shown on the run detail page)."""
    out: dict[str, object] = {
        "rozsah": "všechny objednávky" if full else "změny od minulého běhu",
        "zapsáno do e-shopu": ctx.counts["ok"], "beze změny": ctx.counts["skipped"], "chyby": ctx.counts["error"],
        "dokončeno po přerušení": ctx.tally["retried"],
    }
    if ctx.dry_run:
        out["zapsalo by se"] = ctx.tally["would_write"]
        out["náhled"] = ctx.preview_rows
    return out

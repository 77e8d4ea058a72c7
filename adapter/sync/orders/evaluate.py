"""What happens to one shop order in a run: unchanged, changed after transfer, held, failed, or ready to send.

Used by the job (:mod:`adapter.sync.orders.job`) and by POHODA's own pull
(:mod:`adapter.sync.orders.pull`). Every outcome is counted through the job
context and written through :mod:`adapter.ledger.orders`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from adapter import ledger
from adapter.czech import money, shop_status
from adapter.eshop.base import ready_for_transfer
from adapter.ledger import orders as rows
from adapter.mappings.unmapped import apply_to_order
from adapter.pohoda.orders import order_item
from adapter.records import Order
from adapter.sync.context import JobContext
from adapter.sync.documents import Prepared, details_of, sent_before, snapshot, snapshot_hash
from adapter.sync.lookups import CodeResolver
from adapter.sync.orders.mapping import (
    Mapped,
    MappingOptions,
    label_of,
    local_date,
    map_order,
)
from adapter.sync.shop_feedback import report

#: an order ready to send
PreparedOrder = Prepared[Mapped]
#: the start of the warning a transferred order changed in the shop carries
CHANGED_WARNING = "Objednávka se v e-shopu změnila"
#: the threads writing held/error states to shop orders during a job's run (see :func:`feedback_in_background`)
_FEEDBACK: ContextVar[ThreadPoolExecutor | None] = ContextVar("orders_feedback", default=None)


@contextlib.contextmanager
def feedback_in_background(ctx: JobContext) -> Iterator[None]:
    """Within the block, an order's state for the shop (held, error, cleared) is written by up to
    ``[eshop] parallel_requests`` threads instead of in the job's thread; all written when the block ends.

    Each write is one request per order whose state changed (a first run with many held orders makes
    one per held order); in the job's thread they held up reading, mapping and sending. A write never
    fails the run (:func:`adapter.sync.shop_feedback.report` only logs).
    """
    pool = ThreadPoolExecutor(max(1, ctx.settings.eshop.parallel_requests), thread_name_prefix="orders-feedback")
    token = _FEEDBACK.set(pool)
    try:
        yield
    finally:
        _FEEDBACK.reset(token)
        pool.shutdown(wait=True)


def report_to_shop(ctx: JobContext, order: Order, state: str, text: str = "") -> None:
    """Write the order's state for the shop: in the background within :func:`feedback_in_background`, else now."""
    pool = _FEEDBACK.get()
    if pool is None or ctx.dry_run:
        report(ctx, order, state, text)
    else:
        if ctx._eshop is None:  # the connector is made here, in the job's thread, not by two threads at once
            ctx.eshop()
        pool.submit(report, ctx, order, state, text)


def resolver_for(ctx: JobContext) -> CodeResolver:
    """A pairing resolver that asks POHODA through the job's client (counting requests)."""
    settings = ctx.settings

    def post(xml: bytes) -> bytes:
        ctx.count_request("pohoda")
        return ctx.pohoda().post(xml, write=False)

    return CodeResolver(ico=settings.pohoda.ico, post=post, case_sensitive=settings.pairing.case_sensitive,
                        ean_fallback=settings.pairing.ean_fallback, store=settings.orders.store,
                        application=settings.pohoda.application)


def product_skus(orders: Iterable[Order]) -> list[str]:
    """Every product SKU of the orders (for one pairing look-up)."""
    return [line.sku for order in orders for line in order.lines if line.kind == "product" and line.sku.strip()]


def map_with(resolver: CodeResolver, order: Order, opts: MappingOptions) -> Mapped:
    """Map one order with the codes the resolver knows (``resolver.fetch`` its SKUs first)."""
    codes = resolver.known(line.sku for line in order.lines if line.kind == "product")
    resolver.confirm_chosen(c for c in codes.values() if c)
    return map_order(order, codes, opts, multi_store=frozenset(resolver.multi_store),
                     card_stores=resolver.card_stores)


def evaluate(ctx: JobContext, order: Order, entry: ledger.Entry | None, resolver: CodeResolver,
             opts: MappingOptions) -> PreparedOrder | None:
    """Decide what happens to one order; returns it prepared for sending, or None when it is done with."""
    key, label = str(order.id), label_of(order.number)
    snap = snapshot(order)
    digest = snapshot_hash(snap)
    if sent_before(ctx, entry, digest, label, lambda e: flag_changed(ctx, order, e, digest)):
        return None
    state = entry.state if entry is not None else ""
    if state == "sending":
        ctx.skipped(key, "Objednávku si stáhla POHODA; čeká na potvrzení přenosu.", label=label, record=True)
        return None
    if not ready_for_transfer(order, ctx.settings.orders):
        if state in ("held", "pending", "error") and not ctx.dry_run:
            rows.set_aside(key, f"Objednávka už není označena k přenosu (stav „{shop_status(order.status)}“).", ctx.run_id)
            report_to_shop(ctx, order, "")
        ctx.skipped(key, f"Není označena k přenosu (stav „{shop_status(order.status)}“).", label=label, record=True)
        return None
    opts, unmapped = apply_to_order(ctx.settings, order, opts, ctx.now(), record=not ctx.dry_run)
    mapped = map_with(resolver, order, opts)
    if unmapped:
        mapped = replace(mapped, problems=(*mapped.problems, *unmapped))
    if not mapped.ok or mapped.doc is None:
        hold(ctx, order, entry, mapped, digest)
        return None
    try:
        item = order_item(mapped.doc)
    except ValueError as exc:
        record_error(ctx, order, digest, f"Doklad nelze sestavit: {exc}")
        return None
    return Prepared(order=order, mapped=mapped, item=item, hash=digest, entry=entry, snap=snap)


def preview_row(order: Order, mapped: Mapped, state: str, note: str = "", valid: str = "") -> dict[str, str]:
    """One order's row in a preview's report table."""
    return {"objednávka": order.number, "stav": state, "e-shop": money(mapped.shop_total, mapped.currency),
            "POHODA": money(mapped.doc_total, mapped.currency), "zaokrouhlení": money(mapped.rounding, mapped.currency),
            "XML": valid, "poznámka": note}


def hold(ctx: JobContext, order: Order, entry: ledger.Entry | None, mapped: Mapped, digest: str) -> None:
    """Record an order that must wait (unpaired product, unmapped VAT, missing rate …)."""
    key, reason = str(order.id), mapped.reason()
    ctx.blocking.update(mapped.blocking_skus)
    ctx.held(key, reason, label=label_of(order.number))
    if ctx.dry_run:
        ctx.preview_rows.append(preview_row(order, mapped, "čeká", reason))
        return
    details = details_of(entry)
    details.update(number=order.number, date=local_date(order.created).isoformat(),
                   reasons=sorted({p.kind for p in mapped.problems}), skus=list(mapped.blocking_skus),
                   problems=[p.message for p in mapped.problems],
                   sku_reasons={p.sku: p.message for p in mapped.problems if p.sku in mapped.blocking_skus})
    rows.hold(key, label=label_of(order.number), reason=reason, digest=digest, details=details,
              warnings=list(mapped.warnings), eshop_data=snapshot(order), run=ctx.run_id)
    report_to_shop(ctx, order, "held", reason)


def record_error(ctx: JobContext, order: Order, digest: str, message: str) -> None:
    """An order that failed before it could be sent."""
    key = str(order.id)
    ctx.error(key, message, label=label_of(order.number))
    if not ctx.dry_run:
        rows.fail(key, label=label_of(order.number), message=message, digest=digest,
                  details={"number": order.number}, eshop_data=snapshot(order), run=ctx.run_id)
        report_to_shop(ctx, order, "error", message)


def flag_changed(ctx: JobContext, order: Order, entry: ledger.Entry, digest: str) -> None:
    """A transferred order changed in the shop: POHODA cannot update it — tell a person, never re-send."""
    key, label = str(order.id), label_of(order.number)
    details = details_of(entry)
    already = (details.get("changed") or {}).get("hash") == digest
    ctx.tally["changed"] += 1
    ctx.skipped(key, label=label)
    if already:
        return
    message = (f"Objednávka {order.number} se v e-shopu změnila po přenosu do POHODY (doklad {entry.pohoda_number}). "
               "POHODA neumí přijatou objednávku přes XML upravit — opravte ji v POHODĚ ručně, pak změnu potvrďte "
               "na stránce Objednávky.")
    ctx.event(key, "changed", message, label=label)
    if ctx.dry_run:
        return
    details["changed"] = {"hash": digest, "at": ctx.now().isoformat(), "total": str(order.total)}
    warnings = [w for w in entry.warnings_list() if not w.startswith(CHANGED_WARNING)]
    warnings.append(f"{CHANGED_WARNING} po přenosu ({ctx.now():%d. %m. %Y %H:%M}); POHODA ji "
                    "neumí aktualizovat, zkontrolujte doklad ručně.")
    rows.note_change(key, details=details, warnings=warnings, eshop_data=snapshot(order))


def sending_details(p: PreparedOrder, route: str) -> dict[str, Any]:
    """The ledger details written with ``sending``: the earlier details without stale reasons, plus the facts."""
    details = details_of(p.entry)
    for stale in ("reasons", "skus", "sku_reasons", "problems", "details", "changed"):
        details.pop(stale, None)
    details.update(number=p.order.number, date=local_date(p.order.created).isoformat(), route=route)
    return details

"""The stock push: plans go to the shop in batches; the ledger is committed after each answered batch.

Up to the connector's ``parallel_requests`` batches are in flight at once
(sent from worker threads); their outcomes are settled — events, counters,
ledger rows committed — in the job's thread, in batch order, each as soon
as it and the batches before it are answered. When a batch fails as a whole
(connection, auth …) or the run is cancelled, nothing more is sent, the
batches already sent are still settled (what the shop confirmed is recorded)
and then the error is raised. Counters go to ``ctx.tally``: ``pushed``, ``failed``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from adapter import ledger
from adapter.errors import EshopError
from adapter.records import UpdateResult
from adapter.sync.stock.mapping import Plan, order_for_batches

if TYPE_CHECKING:
    from adapter.eshop.base import Eshop
    from adapter.sync.context import JobContext

log = logging.getLogger(__name__)

AGENDA = "stock"
BATCH = 100  #: items per shop batch call (WooCommerce's limit)
#: successful pushes listed one by one on the run detail page (errors and warnings always are)
EVENT_CAP = 2000
#: ledger rows per write when only hashes are remembered
REMEMBER_CHUNK = 2000

Inflight = deque[tuple[list[Plan], Future[list[UpdateResult]]]]


def ok_row(plan: Plan, run_id: int) -> dict[str, Any]:
    """The ledger row of a product the shop shows as planned."""
    return {"key": plan.key, "label": plan.label, "state": plan.state, "payload_hash": plan.desired.hash,
            "pohoda_number": plan.target.code, "shop_id": plan.key, "error": plan.warning,
            "details": plan.desired.details(), "run_id": run_id}


def remember(plans: Sequence[Plan], run_id: int) -> None:
    """Record products the shop already shows right (only the ledger needs their hash)."""
    rows = [ok_row(p, run_id) for p in plans]
    for i in range(0, len(rows), REMEMBER_CHUNK):
        ledger.save_entries(AGENDA, rows[i : i + REMEMBER_CHUNK])


def push(ctx: JobContext, plans: list[Plan]) -> None:
    """Send the plans in batches of :data:`BATCH` (a preview only notes them); see the module docstring."""
    ordered = order_for_batches(plans)
    push_chunks(ctx, [ordered], len(ordered))


#: preview events listed one by one on the run detail page
PREVIEW_CAP = 5000


def push_chunks(ctx: JobContext, chunks: Iterable[list[Plan]], total: int) -> None:
    """:func:`push` of plans already in batch order, a chunk at a time (``total`` plans in all).

    A chunk is read only when the batches before it are sent, so plans kept
    on disk are never all in memory.
    """
    ctx.progress(0, total, "Odesílám do e-shopu" if not ctx.dry_run else "Náhled změn")
    if ctx.dry_run:
        shown = 0
        for chunk in chunks:
            for plan in chunk[: max(0, PREVIEW_CAP - shown)]:
                ctx.event(plan.key, "preview", plan.desired.describe(), label=plan.label)
            shown += len(chunk)
        ctx.counts["ok"] += shown
        ctx.tally["pushed"] += shown
        ctx.progress(shown, force=True)
        return
    if not total:
        return
    shop = ctx.eshop()
    batches = (chunk[i : i + BATCH] for chunk in chunks for i in range(0, len(chunk), BATCH))
    parallel = max(1, int(shop.parallel_requests or 1))
    if parallel == 1:
        _push_serial(ctx, shop, batches)
    else:
        _push_parallel(ctx, shop, batches, parallel)


def _push_serial(ctx: JobContext, shop: Eshop, batches: Iterable[list[Plan]]) -> None:
    done = 0
    for batch in batches:
        ctx.check_cancel()
        try:
            results = shop.update_stock([p.update() for p in batch])
        except EshopError:
            ctx.progress(done, force=True)
            raise
        done += _settle(ctx, batch, results)
    ctx.progress(done, force=True)


def _push_parallel(ctx: JobContext, shop: Eshop, batches: Iterable[list[Plan]], parallel: int) -> None:
    done = 0
    pool = ThreadPoolExecutor(parallel, thread_name_prefix="stock-push")
    inflight: Inflight = deque()
    try:
        for batch in batches:
            ctx.check_cancel()
            inflight.append((batch, pool.submit(shop.update_stock, [p.update() for p in batch])))
            if len(inflight) >= parallel:
                batch, future = inflight.popleft()
                done += _settle(ctx, batch, future.result())
        while inflight:
            batch, future = inflight.popleft()
            done += _settle(ctx, batch, future.result())
    except BaseException:
        done += _settle_sent(ctx, inflight)
        ctx.progress(done, force=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ctx.progress(done, force=True)


def _settle_sent(ctx: JobContext, inflight: Inflight) -> int:
    """After a failure: record the outcome of batches already sent (a batch that failed too is left out)."""
    done = 0
    while inflight:
        batch, future = inflight.popleft()
        try:
            results = future.result()
        except Exception as exc:  # the first failure is the one the run reports
            log.info("stock: another batch in flight failed too: %s", exc)
            continue
        done += _settle(ctx, batch, results)
    return done


def _settle(ctx: JobContext, batch: list[Plan], results: list[UpdateResult]) -> int:
    """Events, counters and ledger rows (committed) for one answered batch; returns its size."""
    ctx.count_request("eshop", len({p.target.parent_id for p in batch}))
    outcome = {r.product_id: r for r in results}
    ok_rows = []
    error_rows = []
    for plan in batch:
        result = outcome.get(plan.target.product_id)
        if result is not None and result.ok:
            ok_rows.append(ok_row(plan, ctx.run_id))
            if ctx.tally["pushed"] < EVENT_CAP:
                ctx.ok(plan.key, plan.desired.describe(), label=plan.label)
            else:  # every product keeps its ledger row; the run detail lists the first ones
                ctx.counts["ok"] += 1
            ctx.tally["pushed"] += 1
        else:
            reason = (result.error if result is not None else "") or "e-shop položku nepotvrdil"
            message = f"E-shop odmítl změnu: {reason}"
            error_rows.append({"key": plan.key, "label": plan.label, "state": "error", "payload_hash": "",
                               "pohoda_number": plan.target.code, "shop_id": plan.key, "error": message,
                               "details": plan.desired.details(), "run_id": ctx.run_id})
            ctx.error(plan.key, message, label=plan.label)
            ctx.tally["failed"] += 1
    with ledger.database.atomic():
        ledger.save_entries(AGENDA, ok_rows)
        ledger.save_entries(AGENDA, error_rows)
    ctx.progress(ctx.done + len(batch))
    return len(batch)

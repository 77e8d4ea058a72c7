"""Applying a payments plan: the exactly-once marking of paid orders in the shop.

Every order in ``to_mark_paid`` is marked by ``eshop.mark_paid`` (an order
awaiting payment moves to ``[payments] paid_status``; meta and a private note
record the invoice and the date) and gets a ledger Entry (agenda
``payments``, key = order number, state ``ok``, ``pohoda_number`` = invoice).
Up to ``[eshop] parallel_requests`` orders are marked at once.
An order with an ``ok`` Entry is never marked again, so repeating a file or a
run changes nothing. Partly paid orders are listed, never marked; orders paid
in POHODA but cancelled (etc.) in the shop are held for a person.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from adapter import ledger
from adapter.errors import EshopBadAnswer, EshopRejected
from adapter.sync.payments.matching import (
    DEFAULT_BLOCKED_STATUSES,
    PaymentMatch,
    PaymentPlan,
    ShopOrderState,
    normalise_order_number,
)
from adapter.sync.payments.pull import fetch_shop_states, shop_progress
from adapter.sync.payments.table import Outcome, czech_date, plan_report

if TYPE_CHECKING:
    from adapter.sync.context import JobContext

AGENDA = "payments"
#: kinds of bad lines that count as errors of the file ("Celkem:" lines and repeated headers are normal)
SERIOUS_ROW_ERRORS = frozenset({"columns", "value"})


def marked_notes(numbers: Iterable[str]) -> dict[str, ledger.Entry]:
    """Ledger rows in state ``ok`` (already marked paid) among ``numbers`` (normalised)."""
    keys = [normalise_order_number(n) for n in numbers]
    return {k: e for k, e in ledger.entries_for(AGENDA, keys).items() if e.state == "ok"}


def marked_note(entry: ledger.Entry) -> str:
    """Czech note for an order the adapter marked paid before."""
    when = czech_date(entry.updated_at.astimezone().date()) if entry.updated_at else ""
    invoice = f" (faktura {entry.pohoda_number})" if entry.pohoda_number else ""
    return f"Už označeno jako zaplacené adaptérem {when}{invoice}.".replace("  ", " ")


def _label(number: str) -> str:
    return f"Objednávka {number}"


def apply_plan(ctx: JobContext, plan: PaymentPlan, *, source: str, recheck: bool) -> None:
    """Mark the plan's paid orders in the shop, record them in the ledger, put the table in the report.

    ``recheck`` reads the orders again first (a stored upload may be hours
    old): one paid in the meantime is skipped, one cancelled is held.
    """
    keys = {normalise_order_number(str(k)) for k in ctx.options.get("keys") or ()}
    to_mark = [m for m in plan.to_mark_paid if not keys or normalise_order_number(m.order_number) in keys]
    # orders a crashed or failed run started marking: the shop may show them paid already while the
    # note (a second request) is missing — finish them; mark_paid itself is idempotent
    finishing = unfinished_marks(m for m in plan.already_paid
                                 if not keys or normalise_order_number(m.order_number) in keys)
    to_mark += [m for m in plan.already_paid if normalise_order_number(m.order_number) in finishing]
    done_before = marked_notes(m.order_number for m in to_mark)
    marked = {k: marked_note(e) for k, e in done_before.items()}
    pending = [m for m in to_mark if normalise_order_number(m.order_number) not in done_before]
    outcomes: dict[str, Outcome] = {}
    for key in done_before:
        outcomes[key] = Outcome("skipped", marked[key])
        ctx.skipped(key, marked[key], label=_label(key), record=True)
    fresh: dict[str, ShopOrderState] | None = None
    if recheck and pending and not ctx.dry_run:
        ctx.progress(0, len(pending), "Kontroluji objednávky v e-shopu")
        fresh = fetch_shop_states(ctx.eshop(), [m.order_number for m in pending],
                                  on_batch=lambda done, total: shop_progress(ctx, done, total))
    ctx.progress(0, len(pending), "Náhled změn" if ctx.dry_run else "Označuji zaplacené objednávky")
    _mark_all(ctx, pending, fresh, finishing, outcomes)
    if not keys:
        _note_the_rest(ctx, plan)
    ctx.progress(force=True)
    ctx.report = plan_report(plan, source=source, marked=marked, outcomes=outcomes)
    ctx.message = _summary(ctx, plan, len(pending), len(done_before))


def unfinished_marks(matches: Iterable[PaymentMatch]) -> set[str]:
    """Order numbers whose marking was started (ledger ``sending``) but never confirmed."""
    keys = [normalise_order_number(m.order_number) for m in matches]
    return {k for k, e in ledger.entries_for(AGENDA, keys).items() if e.state == "sending"}


#: orders whose shop calls are under way at once, per parallel request (the ledger is written between windows)
WINDOW_PER_REQUEST = 4


def _mark_all(ctx: JobContext, pending: list[PaymentMatch], fresh: dict[str, ShopOrderState] | None,
              finishing: set[str], outcomes: dict[str, Outcome]) -> None:
    """Mark ``pending`` paid: up to ``[eshop] parallel_requests`` orders' shop calls at once, recorded in order.

    Each order's ledger row is committed as ``sending`` before its shop call
    and settled after it, in the job's thread; only the calls run in the
    pool. With one request at a time the orders go strictly one by one.
    """
    parallel = 1 if ctx.dry_run else max(1, ctx.settings.eshop.parallel_requests)
    window = 1 if parallel == 1 else parallel * WINDOW_PER_REQUEST
    pool = ThreadPoolExecutor(parallel, thread_name_prefix="payments-marks") if parallel > 1 else None
    try:
        for start in range(0, len(pending), window):
            ctx.check_cancel()
            _mark_window(ctx, pending[start : start + window], fresh, finishing, outcomes, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


#: one order whose shop call is under way: the match, the state read before, the order id, the call's future
_Call = tuple[PaymentMatch, "ShopOrderState | None", int, "Future[str]"]


def _mark_window(ctx: JobContext, matches: list[PaymentMatch], fresh: dict[str, ShopOrderState] | None,
                 finishing: set[str], outcomes: dict[str, Outcome], pool: ThreadPoolExecutor | None) -> None:
    """Decide, call the shop (on ``pool``, else here) and record a window of orders; a failure of the shop
    itself (down, keys refused) is raised after the window's other answers are recorded."""
    calls: list[_Call] = []
    for match in matches:
        key = normalise_order_number(match.order_number)
        state = None if fresh is None else fresh.get(key)
        decided = _before_mark(ctx, match, state, recheck=fresh is not None, finishing=key in finishing)
        if isinstance(decided, Outcome):
            outcomes[key] = decided
            ctx.advance()
            continue
        invoice, paid_on = match.invoice_number or "bez čísla", match.paid_on or ctx.now().astimezone().date()
        call = functools.partial(ctx.eshop().mark_paid, decided, invoice_number=invoice, paid_on=paid_on)
        future: Future[str] = pool.submit(call) if pool is not None else _done(call)
        calls.append((match, state, decided, future))
    fatal: BaseException | None = None
    for match, state, order_id, future in calls:
        key = normalise_order_number(match.order_number)
        error = future.exception()
        if error is not None and not isinstance(error, EshopRejected | EshopBadAnswer):
            fatal = fatal or error
            continue
        ctx.count_request("eshop")
        if isinstance(error, EshopRejected | EshopBadAnswer):
            outcomes[key] = _failed(ctx, match, error.message, detail=error.detail)
        else:
            outcomes[key] = _after_mark(ctx, match, state, order_id, future.result())
        ctx.advance()
    if fatal is not None:
        raise fatal


def _done(call: Callable[[], str]) -> Future[str]:
    """``call`` run now, its result or error in a finished future."""
    future: Future[str] = Future()
    try:
        future.set_result(call())
    except BaseException as exc:  # handed on like a pooled call's error
        future.set_exception(exc)
    return future


def _before_mark(ctx: JobContext, match: PaymentMatch, fresh: ShopOrderState | None, *, recheck: bool,
                 finishing: bool = False) -> Outcome | int:
    """What to do with one order: its outcome when it is not to be marked now, else its shop id.

    The ledger row is committed as ``sending`` before the shop is asked, so
    a run that dies between the order update and its note is finished by
    the next run (``finishing``) instead of being taken for "already paid".
    """
    key = normalise_order_number(match.order_number)
    label = _label(key)
    invoice = match.invoice_number or "bez čísla"
    paid_on = match.paid_on or ctx.now().astimezone().date()
    if ctx.dry_run:
        message = f"Náhled: označí se jako zaplacená (faktura {invoice}, {czech_date(paid_on)})."
        ctx.event(key, "preview", message, label=label)
        return Outcome("preview", message)
    order_id = match.order_id
    if recheck:
        if fresh is None:
            return _failed(ctx, match, "Objednávku se v e-shopu nepodařilo znovu najít (mohla být smazána).")
        if fresh.paid and not finishing:
            message = f"Mezitím zaplacena v e-shopu (stav {fresh.status}) — beze změny."
            ctx.skipped(key, message, label=label, record=True)
            return Outcome("skipped", message)
        if fresh.status in DEFAULT_BLOCKED_STATUSES:
            message = (f"Objednávka je mezitím v e-shopu ve stavu „{fresh.status}“ — automaticky se neoznačí; "
                       "zkontrolujte ji ručně.")
            _hold(ctx, match, message)
            return Outcome("held", message)
        order_id = fresh.order_id
    if order_id is None:
        return _failed(ctx, match, "Chybí id objednávky v e-shopu.")
    ledger.save_entry(AGENDA, key, state="sending", label=label, pohoda_number=match.invoice_number,
                      shop_id=str(order_id), run=ctx.run_id)
    return order_id


def _after_mark(ctx: JobContext, match: PaymentMatch, fresh: ShopOrderState | None, order_id: int,
                status: str) -> Outcome:
    """Record one order the shop marked paid (its resulting ``status``)."""
    key = normalise_order_number(match.order_number)
    label = _label(key)
    invoice = match.invoice_number or "bez čísla"
    paid_on = match.paid_on or ctx.now().astimezone().date()
    before = fresh.status if fresh is not None else match.shop_status
    moved = f", stav {before} → {status}" if before and status != before else f", stav {status} beze změny"
    message = f"Označena jako zaplacená (faktura {invoice}, {czech_date(paid_on)}{moved})."
    ledger.save_entry(
        AGENDA, key, state="ok", label=label, pohoda_number=match.invoice_number, shop_id=str(order_id),
        run=ctx.run_id, error="", attempts=1,
        details={"paid_on": paid_on.isoformat(), "to_pay": str(match.to_pay), "status_before": before,
                 "status_after": status, "source": "upload" if ctx.options.get("upload_id") else "mserver"},
    )
    ctx.ok(key, message, label=label)
    return Outcome("ok", message)


def _failed(ctx: JobContext, match: PaymentMatch, message: str, *, detail: str = "") -> Outcome:
    key = normalise_order_number(match.order_number)
    ledger.save_entry(
        AGENDA, key, state="error", label=_label(key), pohoda_number=match.invoice_number,
        shop_id="" if match.order_id is None else str(match.order_id), run=ctx.run_id, error=message,
        details={"detail": detail} if detail else None,
    )
    ctx.error(key, message, label=_label(key))
    return Outcome("error", message)


def _hold(ctx: JobContext, match: PaymentMatch, message: str) -> None:
    key = normalise_order_number(match.order_number)
    ledger.save_entry(
        AGENDA, key, state="held", label=_label(key), pohoda_number=match.invoice_number,
        shop_id="" if match.order_id is None else str(match.order_id), run=ctx.run_id, error=message,
    )
    ctx.held(key, message, label=_label(key))


def _note_the_rest(ctx: JobContext, plan: PaymentPlan) -> None:
    """Events and counters for the orders that are not marked (held, partly paid, unknown …)."""
    held_keys = [normalise_order_number(m.order_number) for m in plan.held]
    already_ok = marked_notes(held_keys) if not ctx.dry_run else {}
    for match in plan.held:
        key = normalise_order_number(match.order_number)
        if ctx.dry_run:
            ctx.event(key, "held", match.reason, label=_label(key))
        elif key not in already_ok:
            _hold(ctx, match, match.reason)
    for match in plan.partly_paid:
        key = normalise_order_number(match.order_number)
        ctx.skipped(key, match.reason, label=_label(key), record=True)
    for match in plan.unknown:
        key = normalise_order_number(match.order_number)
        ctx.event(key, "warning", match.reason, label=_label(key))
    for match in (*plan.unpaid, *plan.already_paid):
        ctx.skipped(normalise_order_number(match.order_number))


def _summary(ctx: JobContext, plan: PaymentPlan, pending: int, before: int) -> str:
    """The run's one-line result in Czech."""
    c = ctx.counts
    if ctx.dry_run:
        head = f"Náhled: k označení jako zaplacené {pending}"
    else:
        head = f"Označeno jako zaplacené {c['ok']}"
        if c["error"]:
            head += f", chyb {c['error']}"
    parts = [head]
    if before:
        parts.append(f"už označeno dříve {before}")
    if plan.partly_paid:
        parts.append(f"částečně uhrazeno {len(plan.partly_paid)}")
    if plan.held:
        parts.append(f"ke kontrole {len(plan.held)}")
    if plan.unknown:
        parts.append(f"neznámá čísla {len(plan.unknown)}")
    if plan.already_paid:
        parts.append(f"už zaplaceno v e-shopu {len(plan.already_paid)}")
    serious = sum(1 for e in plan.errors if e.kind in SERIOUS_ROW_ERRORS)
    if serious:
        parts.append(f"chybné řádky souboru {serious}")
    return ", ".join(parts) + "."

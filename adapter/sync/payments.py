"""Zaplacené objednávky (Likvidace): paid issued invoices in POHODA → paid orders in the shop.

Two routes give the same plan (:mod:`adapter.payments`) and the same table
(:mod:`adapter.sync.payments_table`):

* **Upload** — POHODA's CSV export of Vydané faktury (columns Občj,
  K likvidaci, Datum) is read by :func:`prepare_upload`, compared with the
  shop and stored server-side as a previewed plan
  (:mod:`adapter.sync.payments_store`). Confirming starts this job with
  ``options={"upload_id": …}``; it applies exactly that plan.
* **mServer** — without an upload id the job reads issued invoices with
  ``listInvoiceRequest`` (``lastChanges`` from the ``payments`` Checkpoint,
  paged by ``idFrom``/``count``), takes ``inv:numberOrder`` as the shop's
  order number and ``inv:liquidation/typ:amountHome`` as what is left to pay,
  and plans with :func:`~adapter.payments.plan_from_invoices`.

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

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from adapter import ledger
from adapter.errors import AdapterError, EshopBadAnswer, EshopRejected, ImportFileError, PohodaError
from adapter.payments import (
    DEFAULT_BLOCKED_STATUSES,
    PaymentMatch,
    PaymentPlan,
    PaymentsFile,
    ShopOrderState,
    normalise_order_number,
    plan_from_invoices,
    plan_payments,
    read_payments_csv,
)
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import list_invoices_request, parse_list_invoices
from adapter.pohoda.lists import MAX_COUNT
from adapter.records import Order, PohodaInvoice
from adapter.sync.payments_store import (
    Upload,
    list_uploads,
    load_upload,
    new_upload_id,
    purge_old,
    save_upload,
    set_run,
)
from adapter.sync.payments_table import Outcome, czech_date, plan_counts, plan_report, report_text
from adapter.sync.state import next_pohoda_cursor, pohoda_since

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.eshop.base import Eshop
    from adapter.sync.context import Connections, JobContext
    from adapter.sync.runner import JobRunner

log = logging.getLogger(__name__)

AGENDA = "payments"
MB = 1024 * 1024
#: order numbers per ``find_orders`` call
SHOP_BATCH = 100
#: issued invoices per mServer list request (``options["page_size"]`` overrides)
PAGE_SIZE = 1000
#: kinds of bad lines that make a CLI preview exit with 1 ("Celkem:" lines and repeated headers are normal)
SERIOUS_ROW_ERRORS = frozenset({"columns", "value"})


# --------------------------------------------------------------------------- shop state


def shop_state(order: Order) -> ShopOrderState:
    """The plan's view of one shop order."""
    return ShopOrderState(
        order_id=order.id,
        number=order.number,
        status=order.status,
        paid=order.paid,
        total=order.total,
        currency=order.currency,
    )


def fetch_shop_states(
    eshop: Eshop,
    numbers: Iterable[str],
    *,
    batch: int = SHOP_BATCH,
    on_batch: Callable[[int, int], None] | None = None,
) -> dict[str, ShopOrderState]:
    """Shop orders by normalised number, read in batches; ``on_batch(done, total)`` after each."""
    wanted = list(dict.fromkeys(n for n in (normalise_order_number(x) for x in numbers) if n))
    states: dict[str, ShopOrderState] = {}
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        for number, order in eshop.find_orders(chunk).items():
            states[normalise_order_number(number)] = shop_state(order)
        if on_batch is not None:
            on_batch(min(start + batch, len(wanted)), len(wanted))
    return states


def marked_notes(numbers: Iterable[str]) -> dict[str, ledger.Entry]:
    """Ledger rows in state ``ok`` (already marked paid) among ``numbers`` (normalised)."""
    keys = [normalise_order_number(n) for n in numbers]
    return {k: e for k, e in ledger.entries_for(AGENDA, keys).items() if e.state == "ok"}


def _marked_note(entry: ledger.Entry) -> str:
    """Czech note for an order the adapter marked paid before."""
    when = czech_date(entry.updated_at.astimezone().date()) if entry.updated_at else ""
    invoice = f" (faktura {entry.pohoda_number})" if entry.pohoda_number else ""
    return f"Už označeno jako zaplacené adaptérem {when}{invoice}.".replace("  ", " ")


def _order_numbers(rows: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(normalise_order_number(r.order_number) for r in rows))


# --------------------------------------------------------------------------- upload (preview)


def file_info(parsed: PaymentsFile) -> dict[str, Any]:
    """What the preview says about the file itself."""
    return {
        "encoding": parsed.encoding,
        "delimiter": parsed.delimiter_name,
        "header": list(parsed.header),
        "header_line": parsed.header_line,
        "columns": dict(parsed.columns),
        "lines": parsed.lines,
        "rows": parsed.row_count,
        "errors": parsed.error_count,
        "no_order": parsed.no_order,
        "warnings": list(parsed.warnings),
    }


def prepare_upload(
    settings: Settings,
    connections: Connections,
    data: bytes,
    filename: str,
    *,
    owner: str,
    uploaded_by: str = "",
    now: datetime | None = None,
) -> Upload:
    """Read an uploaded export, compare it with the shop, store the plan; returns the stored upload.

    Raises :class:`ImportFileError` for an unusable file (too big, not a CSV,
    required columns missing) and other :class:`AdapterError` subclasses when
    the shop cannot be asked; never changes anything in the shop.
    """
    now = now or ledger.utcnow()
    max_mb = max(1, settings.payments.max_upload_mb)
    parsed = read_payments_csv(bytes(data), max_bytes=max_mb * MB)
    numbers = _order_numbers(parsed.rows)
    states: dict[str, ShopOrderState] = {}
    if numbers:
        eshop = connections.eshop(settings)
        try:
            states = fetch_shop_states(eshop, numbers)
        finally:
            eshop.close()
    plan = plan_payments(parsed, states, tolerance=settings.payments.tolerance, blocked_statuses=DEFAULT_BLOCKED_STATUSES)
    marked = {k: _marked_note(e) for k, e in marked_notes(m.order_number for m in plan.to_mark_paid).items()}
    upload = Upload(
        id=new_upload_id(),
        owner=owner,
        created_at=now,
        filename=_safe_filename(filename),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        plan=plan,
        file_info=file_info(parsed),
        marked=marked,
        counts=plan_counts(plan, marked),
        uploaded_by=uploaded_by,
    )
    save_upload(settings.data_dir, upload)
    try:
        purge_old(settings.data_dir, now)
    except OSError:  # housekeeping must never fail an upload
        log.warning("could not remove old payment uploads", exc_info=True)
    return upload


def _safe_filename(name: str) -> str:
    """The file's base name as shown to people (no folders, bounded length)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or "export.csv")[:120]


def upload_source(upload: Upload) -> str:
    """The "Zdroj" line of an upload's table."""
    when = upload.created_at.astimezone()
    return f"Soubor {upload.filename} nahraný {czech_date(when.date())} {when:%H:%M}"


def upload_report(upload: Upload) -> dict[str, Any]:
    """The preview table of a stored upload."""
    return plan_report(upload.plan, source=upload_source(upload), marked=upload.marked)


def can_apply(upload: Upload) -> bool:
    """True when confirming the upload would mark at least one order paid."""
    return any(
        normalise_order_number(m.order_number) not in upload.marked for m in upload.plan.to_mark_paid
    ) and upload.run_id is None


# --------------------------------------------------------------------------- the job


def run(ctx: JobContext) -> None:
    """The payments job: apply a stored upload, or read paid invoices over mServer."""
    upload_id = ctx.options.get("upload_id")
    if upload_id:
        _run_upload(ctx, str(upload_id))
    else:
        _run_mserver(ctx)


def _run_upload(ctx: JobContext, upload_id: str) -> None:
    """Apply the plan the user saw in the preview of an upload."""
    upload = load_upload(ctx.settings.data_dir, upload_id)
    if upload is None:
        raise AdapterError(
            "Nahraný soubor už není k dispozici (nahrávky se mažou po 30 dnech). "
            "Nahrajte export z POHODY znovu na stránce Zaplacené objednávky."
        )
    apply_plan(ctx, upload.plan, source=upload_source(upload), recheck=True)


def _run_mserver(ctx: JobContext) -> None:
    """Read issued invoices changed since the Checkpoint and mark the paid orders."""
    settings = ctx.settings.payments
    checkpoint = ledger.get_checkpoint(AGENDA)
    previous = checkpoint.cursor if checkpoint is not None else ""
    since = None if ctx.full else pohoda_since(previous, timedelta(minutes=settings.overlap_minutes))
    remembered = {} if since is None or checkpoint is None else _open_from_extra(checkpoint.extra_dict())
    signpost = ctx.now().astimezone()
    page_size = _page_size(ctx.options.get("page_size"))
    invoices, stamp = read_invoices(ctx, since, page_size)
    merged = merge_open_invoices(invoices, remembered)
    numbers = _order_numbers_of(merged)
    ctx.progress(0, len(numbers), "Zjišťuji stav objednávek v e-shopu")
    states = (fetch_shop_states(ctx.eshop(), numbers, on_batch=lambda done, total: _shop_progress(ctx, done, total))
              if numbers else {})
    plan = plan_from_invoices(merged, states, tolerance=settings.tolerance, blocked_statuses=DEFAULT_BLOCKED_STATUSES)
    changes = "všechny faktury" if since is None else f"změny od {czech_date(since.date())} {since:%H:%M}"
    source = f"POHODA (mServer), vydané faktury: {changes}; načteno {len(invoices)}"
    apply_plan(ctx, plan, source=source, recheck=False)
    ctx.report["Načteno faktur"] = len(invoices)
    if ctx.dry_run or ctx.counts["error"] or ctx.options.get("keys"):
        return  # the watermark moves only after a complete real run without failures
    opened = update_open_invoices(remembered, invoices, settings.tolerance)
    ledger.set_checkpoint(AGENDA, next_pohoda_cursor(previous, stamp, signpost), extra={"open": opened})


def _page_size(raw: Any) -> int:
    try:
        value = int(raw) if raw is not None else PAGE_SIZE
    except (TypeError, ValueError):
        value = PAGE_SIZE
    return max(1, min(MAX_COUNT, value))


def _shop_progress(ctx: JobContext, done: int, total: int) -> None:
    ctx.count_request("eshop")
    ctx.progress(done, total, "Zjišťuji stav objednávek v e-shopu")
    ctx.check_cancel()


def read_invoices(ctx: JobContext, since: datetime | None, page_size: int) -> tuple[list[PohodaInvoice], datetime | None]:
    """Every issued invoice changed since ``since``, paged; returns (invoices, the first answer's timestamp)."""
    client = ctx.pohoda()
    pohoda = ctx.settings.pohoda
    invoices: list[PohodaInvoice] = []
    stamp: datetime | None = None
    id_from: int | None = None
    page = 0
    ctx.progress(0, 0, "Načítám vydané faktury z POHODY")
    while True:
        ctx.check_cancel()
        item = list_invoices_request(last_changes=since, id_from=id_from, count=page_size)
        pack = build_pack([item], ico=pohoda.ico, pack_id=f"pay-{ctx.run_id}-{page}", application=pohoda.application)
        answer = client.post(pack.xml, write=False)
        ctx.count_request("pohoda")
        result = parse_list_invoices(answer)
        if result.state == "error":
            raise PohodaError(
                f"POHODA odmítla vypsat vydané faktury: {result.note or 'bez udání důvodu'}. "
                "Zkontrolujte práva uživatele mServeru k agendě Vydané faktury a spusťte běh znovu."
            )
        if stamp is None:
            stamp = result.timestamp
        invoices.extend(result.records)
        ctx.progress(len(invoices), len(invoices), f"Načítám vydané faktury z POHODY ({len(invoices)})")
        if len(result.records) < page_size:
            break
        next_id = max(r.id for r in result.records) + 1
        if id_from is not None and next_id <= id_from:
            break  # ids that do not grow would page forever
        id_from = next_id
        page += 1
    return invoices, stamp


def _order_numbers_of(invoices: Iterable[PohodaInvoice]) -> list[str]:
    return list(dict.fromkeys(n for n in (normalise_order_number(i.number_order) for i in invoices) if n))


def _open_from_extra(extra: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    raw = extra.get("open")
    return {str(k): dict(v) for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}


def _remembered_invoice(number: str, data: Mapping[str, Any]) -> PohodaInvoice | None:
    try:
        return PohodaInvoice(
            id=int(data.get("id", 0)),
            number=number,
            number_order=str(data["order"]),
            date=date.fromisoformat(data["date"]) if data.get("date") else None,
            total=Decimal(str(data.get("total", "0"))),
            to_pay=Decimal(str(data["to_pay"])),
            paid_date=date.fromisoformat(data["paid_date"]) if data.get("paid_date") else None,
        )
    except (KeyError, ValueError, ArithmeticError):
        return None


def merge_open_invoices(listed: Sequence[PohodaInvoice], remembered: Mapping[str, Mapping[str, Any]]) -> list[PohodaInvoice]:
    """The listed invoices plus the remembered invoices of the same orders that were not listed."""
    numbers = {normalise_order_number(i.number_order) for i in listed if i.number_order.strip()}
    seen = {i.number for i in listed}
    merged = list(listed)
    for number, data in remembered.items():
        if number in seen or normalise_order_number(str(data.get("order", ""))) not in numbers:
            continue
        invoice = _remembered_invoice(number, data)
        if invoice is not None:
            merged.append(invoice)
    return sorted(merged, key=lambda i: (i.id, i.number))  # POHODA's own order, whatever changed last


def update_open_invoices(
    remembered: Mapping[str, Mapping[str, Any]], listed: Iterable[PohodaInvoice], tolerance: Decimal
) -> dict[str, dict[str, Any]]:
    """The remembered invoices after this listing: every invoice of each order that still has an open one.

    Settled invoices stay remembered while another invoice of the same order
    is open, so the order's final mark names all its invoices; an order whose
    invoices are all settled is forgotten.
    """
    known = {k: dict(v) for k, v in remembered.items()}
    for invoice in listed:
        if not invoice.number or not invoice.number_order.strip():
            continue
        known[invoice.number] = {
            "id": invoice.id,
            "order": invoice.number_order.strip(),
            "date": invoice.date.isoformat() if invoice.date else "",
            "total": str(invoice.total),
            "to_pay": str(invoice.to_pay),
            "paid_date": invoice.paid_date.isoformat() if invoice.paid_date else "",
        }
    open_orders = set()
    for data in known.values():
        try:
            if Decimal(str(data.get("to_pay", "0"))) > tolerance:
                open_orders.add(normalise_order_number(str(data.get("order", ""))))
        except ArithmeticError:
            continue
    return {k: v for k, v in known.items() if normalise_order_number(str(v.get("order", ""))) in open_orders}


# --------------------------------------------------------------------------- applying a plan


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
    marked = {k: _marked_note(e) for k, e in done_before.items()}
    pending = [m for m in to_mark if normalise_order_number(m.order_number) not in done_before]
    outcomes: dict[str, Outcome] = {}
    for key in done_before:
        outcomes[key] = Outcome("skipped", marked[key])
        ctx.skipped(key, marked[key], label=_label(key), record=True)
    fresh: dict[str, ShopOrderState] | None = None
    if recheck and pending and not ctx.dry_run:
        ctx.progress(0, len(pending), "Kontroluji objednávky v e-shopu")
        fresh = fetch_shop_states(ctx.eshop(), [m.order_number for m in pending],
                                  on_batch=lambda done, total: _shop_progress(ctx, done, total))
    ctx.progress(0, len(pending), "Náhled změn" if ctx.dry_run else "Označuji zaplacené objednávky")
    for match in pending:
        ctx.check_cancel()
        key = normalise_order_number(match.order_number)
        outcomes[key] = _mark_one(ctx, match, None if fresh is None else fresh.get(key), recheck=fresh is not None,
                                  finishing=key in finishing)
        ctx.advance()
    if not keys:
        _note_the_rest(ctx, plan)
    ctx.progress(force=True)
    ctx.report = plan_report(plan, source=source, marked=marked, outcomes=outcomes)
    ctx.message = _summary(ctx, plan, len(pending), len(done_before))


def unfinished_marks(matches: Iterable[PaymentMatch]) -> set[str]:
    """Order numbers whose marking was started (ledger ``sending``) but never confirmed."""
    keys = [normalise_order_number(m.order_number) for m in matches]
    return {k for k, e in ledger.entries_for(AGENDA, keys).items() if e.state == "sending"}


def _mark_one(ctx: JobContext, match: PaymentMatch, fresh: ShopOrderState | None, *, recheck: bool,
              finishing: bool = False) -> Outcome:
    """Mark one order paid (or preview it); records the event and the ledger row.

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
    try:
        status = ctx.eshop().mark_paid(order_id, invoice_number=invoice, paid_on=paid_on)
    except (EshopRejected, EshopBadAnswer) as exc:
        ctx.count_request("eshop")
        return _failed(ctx, match, exc.message, detail=exc.detail)
    ctx.count_request("eshop")
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


# --------------------------------------------------------------------------- command line


def _ensure_ledger(data_dir: Path) -> None:
    """Open the ledger of ``data_dir`` unless it is the one already open."""
    path = data_dir / "ledger.db"
    if ledger.database.database != str(path):
        ledger.init_db(path)


def import_payments_cli(
    settings: Settings,
    path: Path,
    *,
    apply: bool,
    out: TextIO,
    connections: Connections | None = None,
) -> int:
    """``app.py import-payments FILE [--apply]``: print the preview table; with ``apply`` mark the orders.

    Exit codes: 0 ok, 1 partial (bad lines in the file, or some orders
    failed), 2 failed (unreadable file, no connection, a run already going).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        out.write(f"Soubor {path} nelze přečíst: {exc.strerror or exc}.\n")
        return 2
    if connections is None:
        from adapter.sync.connections import default_connections

        connections = default_connections()
    _ensure_ledger(settings.data_dir)
    with ledger.database.connection_context():
        try:
            upload = prepare_upload(settings, connections, data, Path(path).name, owner="cli",
                                    uploaded_by="příkazová řádka")
        except ImportFileError as exc:
            out.write(f"Soubor nelze použít: {exc.message}\n")
            return 2
        except AdapterError as exc:
            out.write(f"Chyba: {exc.message}\n")
            return 2
        serious = sum(1 for e in upload.plan.errors if e.kind in SERIOUS_ROW_ERRORS)
        if not apply:
            out.write(report_text(upload_report(upload)))
            hint = ("\nNáhled — v e-shopu se nic nezměnilo. Objednávky označíte příkazem s volbou --apply.\n"
                    if can_apply(upload) else "\nNáhled — není co označit.\n")
            out.write(hint)
            return 1 if serious else 0
        return _apply_cli(settings, connections, upload, out, serious)


def _apply_cli(settings: Settings, connections: Connections, upload: Upload, out: TextIO, serious: int) -> int:
    """Apply a stored upload in the foreground through the runner (so it is a Run in the history)."""
    from adapter.sync.runner import JobRunner

    runner = JobRunner(lambda: settings, connections, jobs={AGENDA: run})
    finished, ran_here = runner.run_inline(AGENDA, "cli", options={"upload_id": upload.id})
    if not ran_here:
        out.write(f"Zaplacené objednávky: jiný běh už probíhá (běh #{finished.id}). Zkuste to za chvíli.\n")
        return 2
    set_run(settings.data_dir, upload.id, finished.id)
    report = finished.report_dict()
    if report:
        out.write(report_text(report))
    out.write(f"\nBěh #{finished.id}: {finished.status} — {finished.message}\n")
    if finished.status == "ok":
        return 1 if serious else 0
    return 1 if finished.status == "partial" else 2


# --------------------------------------------------------------------------- web helpers


def apply_upload(runner: JobRunner, data_dir: Path, upload: Upload) -> tuple[int | None, bool, str]:
    """Start the run applying a previewed upload; returns (run id, started now, Czech problem or "")."""
    if upload.run_id is not None:
        return upload.run_id, False, ""
    try:
        run_id, created = runner.start(AGENDA, "upload", options={"upload_id": upload.id})
    except AdapterError as exc:
        return None, False, exc.message
    if not created:
        running = ledger.get_run(run_id)
        if running is None or running.options_dict().get("upload_id") != upload.id:
            return run_id, False, (
                "Právě probíhá jiný běh zaplacených objednávek. Počkejte, až skončí, a potvrďte znovu."
            )
    set_run(data_dir, upload.id, run_id)
    return run_id, created, ""


def overview(data_dir: Path, *, uploads: int = 10, runs: int = 10) -> dict[str, Any]:
    """What the payments page lists: recent uploads and recent runs."""
    return {
        "uploads": list_uploads(data_dir, limit=uploads),
        "runs": ledger.runs(agenda=AGENDA, limit=runs),
        "last_run": ledger.running_run(AGENDA) or ledger.last_run(AGENDA, real=False),
    }

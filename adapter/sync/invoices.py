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
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from adapter import ledger
from adapter.errors import IcoMismatch, PackError, PohodaError, ResponseParseError
from adapter.eshop.base import Eshop
from adapter.pohoda import schema
from adapter.pohoda.envelope import PackItem, build_pack, parse_response
from adapter.pohoda.invoices import invoice_item, list_invoices_request, parse_list_invoices
from adapter.records import ItemResult, Order, PohodaInvoice
from adapter.sync import orders as orders_job
from adapter.sync.context import JobContext
from adapter.sync.order_mapping import (
    EXT_SYSTEM,
    InvoiceMapped,
    local_date,
    map_invoice,
    payload_hash,
    snapshot,
)
from adapter.sync.orders_pohoda import item_answers, lookup_pack_id, split_items
from adapter.sync.state import next_shop_cursor, parse_utc

log = logging.getLogger(__name__)

AGENDA = "invoices"
PACK_ID = "eshop-faktury"
STANDALONE_NOTE = ("Faktury se vystavují samostatně s textovými položkami: POHODA podle nich NEvyskladní zboží "
                   "(zásoby se nepohnou). Chcete-li pohyb zásob, přepněte Nastavení › Vydané faktury na "
                   "„z přenesené objednávky“.")
LINKED_NOTE = "Faktury se vytvářejí z přenesených přijatých objednávek (inv:links): POHODA vyskladní zboží."
WAIT_ORDER = "čeká na přenos objednávky"


def label_of(number: str) -> str:
    """The ledger label of an invoice."""
    return f"Faktura k objednávce {number}"


@dataclass
class Ready:
    """An invoice ready to send."""

    order: Order
    mapped: InvoiceMapped
    item: PackItem
    hash: str
    entry: ledger.Entry | None

    @property
    def key(self) -> str:
        """The natural key (shop order id)."""
        return str(self.order.id)

    @property
    def warnings(self) -> list[str]:
        """Mapping and text-fitting warnings."""
        return list(dict.fromkeys([*self.mapped.warnings, *self.item.warnings]))


@dataclass
class Stats:
    """What the run did."""

    ok: int = 0
    held: int = 0
    error: int = 0
    unchanged: int = 0
    changed: int = 0
    duplicate: int = 0
    reconciled: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)


def run(ctx: JobContext) -> None:
    """Create the issued invoices (see the module docstring)."""
    settings = ctx.settings
    mode = settings.invoices.mode
    stats = Stats()
    shop = ctx.eshop()
    signpost = ctx.now()
    keys = [str(k) for k in ctx.options.get("keys") or []]
    if not ctx.dry_run:
        ctx.progress(phase="Ověřuji nedokončené přenosy v POHODĚ", force=True)
        reconcile_sending(ctx, stats)
    ctx.progress(phase="Načítám objednávky z e-shopu", force=True)
    checkpoint = ledger.get_checkpoint(AGENDA)
    previous = checkpoint.cursor if checkpoint else ""
    found, max_seen = collect(ctx, shop, keys=keys, previous=previous)
    statuses = settings.invoices.invoice_statuses
    candidates = [o for o in found if not statuses or o.status in statuses or keys]
    entries = ledger.entries_for(AGENDA, [str(o.id) for o in candidates])
    order_rows = ledger.entries_for(orders_job.AGENDA, [str(o.id) for o in candidates])
    ctx.progress(0, len(candidates), "Připravuji faktury", force=True)
    ready: list[Ready] = []
    for order in candidates:
        prepared = evaluate(ctx, order, entries.get(str(order.id)), order_rows.get(str(order.id)), stats)
        if prepared is None:
            ctx.advance()
        else:
            ready.append(prepared)
    batch = max(1, settings.invoices.batch_size)
    for start in range(0, len(ready), batch):
        ctx.check_cancel()
        send_batch(ctx, ready[start : start + batch], stats)
    if not ctx.dry_run and not keys:
        ledger.set_checkpoint(AGENDA, next_shop_cursor(previous, max_seen, signpost))
    ctx.report = {
        "režim": "z přenesené objednávky (POHODA vyskladní zboží)" if mode == "linked" else
                 "samostatná faktura — POHODA NEpohne zásobami",
        "upozornění": LINKED_NOTE if mode == "linked" else STANDALONE_NOTE,
        "vystaveno": stats.ok, "čeká": stats.held, "chyby": stats.error, "beze změny": stats.unchanged,
        "změněno po vystavení": stats.changed, "duplicita (již v POHODĚ)": stats.duplicate,
        "dohledáno po přerušení": stats.reconciled,
    }
    if ctx.dry_run:
        ctx.report["náhled"] = stats.preview
    ctx.progress(force=True)


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
    again = [e for e in ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state.in_(states)))
             if e.key.isdigit() and int(e.key) not in found]
    if again:
        numbers = [str(orders_job.details_of(e).get("number") or e.key) for e in again]
        ctx.count_request("eshop")
        for order in shop.find_orders(numbers).values():
            found[order.id] = order
    return sorted(found.values(), key=lambda o: (o.modified, o.id)), max_seen


def evaluate(ctx: JobContext, order: Order, entry: ledger.Entry | None, order_row: ledger.Entry | None,
             stats: Stats) -> Ready | None:
    """What happens to one order's invoice; returns it prepared, or None."""
    key, label = str(order.id), label_of(order.number)
    digest = payload_hash(order)
    state = entry.state if entry is not None else ""
    if state == "ok":
        if entry is not None and entry.payload_hash and entry.payload_hash != digest:
            flag_changed(ctx, order, entry, digest, stats)
        else:
            stats.unchanged += 1
            ctx.skipped(key, label=label)
        return None
    if state == "sending":
        return None
    opts = orders_job.mapping_options(ctx.settings)
    issued = ctx.now().astimezone().date()
    if ctx.settings.invoices.mode == "linked":
        if order_row is None or order_row.state != "ok" or not (order_row.pohoda_number or order_row.pohoda_id):
            hold(ctx, order, entry, digest, f"Faktura {WAIT_ORDER} {order.number} do POHODY "
                                            "(vytvoří se z ní, aby POHODA vyskladnila zboží).", stats)
            return None
        mapped = map_invoice(order, opts, issued=issued, due_days=ctx.settings.invoices.due_days,
                             link_number=order_row.pohoda_number or None, link_id=order_row.pohoda_id,
                             series=ctx.settings.invoices.numbering_series)
    else:
        mapped = map_invoice(order, opts, issued=issued, due_days=ctx.settings.invoices.due_days,
                             series=ctx.settings.invoices.numbering_series)
    if mapped.doc is None:
        hold(ctx, order, entry, digest, " ".join(p.message for p in mapped.problems), stats)
        return None
    try:
        item = invoice_item(mapped.doc)
    except ValueError as exc:
        stats.error += 1
        ctx.error(key, f"Fakturu nelze sestavit: {exc}", label=label)
        return None
    return Ready(order=order, mapped=mapped, item=item, hash=digest, entry=entry)


def hold(ctx: JobContext, order: Order, entry: ledger.Entry | None, digest: str, reason: str, stats: Stats) -> None:
    """An invoice that must wait (order not transferred yet, missing rate …)."""
    key = str(order.id)
    stats.held += 1
    ctx.held(key, reason, label=label_of(order.number))
    if ctx.dry_run:
        stats.preview.append({"objednávka": order.number, "stav": "čeká", "poznámka": reason})
        return
    info = orders_job.details_of(entry)
    info.update(number=order.number, date=local_date(order.created).isoformat(), reason=reason)
    ledger.save_entry(AGENDA, key, state="held", label=label_of(order.number), shop_id=key, error=reason,
                      payload_hash=digest, details=info, eshop_data=snapshot(order), run=ctx.run_id)


def flag_changed(ctx: JobContext, order: Order, entry: ledger.Entry, digest: str, stats: Stats) -> None:
    """An invoiced order changed in the shop: POHODA cannot update invoices — flag it for a person."""
    key, label = str(order.id), label_of(order.number)
    info = orders_job.details_of(entry)
    stats.changed += 1
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
    ledger.save_entry(AGENDA, key, details=info, warnings=list(dict.fromkeys(warnings)), eshop_data=snapshot(order))


def send_batch(ctx: JobContext, batch: Sequence[Ready], stats: Stats) -> None:
    """Commit ``sending``, POST, record each result."""
    settings = ctx.settings
    pack = build_pack([r.item for r in batch], ico=settings.pohoda.ico, pack_id=PACK_ID,
                      application=settings.pohoda.application)
    if ctx.dry_run:
        errors = schema.validate(pack.xml, "data")
        valid = "nelze ověřit" if errors is None else ("platné" if not errors else "; ".join(errors[:3]))
        for r in batch:
            ctx.event(r.key, "preview", f"Náhled faktury: XML {valid}", label=label_of(r.order.number))
            stats.preview.append({"objednávka": r.order.number, "stav": "k vystavení", "XML": valid,
                                  "xml": single_xml(ctx, r.item)})
            ctx.skipped(r.key)
            ctx.advance()
        return
    with ledger.database.atomic("IMMEDIATE"):
        for r in batch:
            info = orders_job.details_of(r.entry)
            info.pop("reason", None)
            info.update(number=r.order.number, date=local_date(r.order.created).isoformat(),
                        mode=settings.invoices.mode)
            ledger.save_entry(AGENDA, r.key, state="sending", label=label_of(r.order.number), shop_id=r.key,
                              payload_hash=r.hash, pack_id=pack.pack_id, item_id=r.item.id, error="",
                              warnings=r.warnings, details=info, sent_xml=single_xml(ctx, r.item), answer_xml=None,
                              eshop_data=snapshot(r.order), attempts=(r.entry.attempts if r.entry else 0) + 1,
                              run=ctx.run_id)
    ctx.count_request("pohoda")
    try:
        answer = ctx.pohoda().post(pack.xml, write=True)
        result = parse_response(answer)
    except PackError as exc:
        for r in batch:
            finish(ctx, r, None, None, stats, refused=f"POHODA odmítla celou dávku: {exc.note or exc.message}")
        return
    except IcoMismatch:
        ledger.set_state(AGENDA, [r.key for r in batch], "pending", error="")
        raise
    except (PohodaError, ResponseParseError):
        raise
    answers = item_answers(answer)
    by_id = {i.item_id: i for i in result.items}
    with ledger.database.atomic("IMMEDIATE"):
        for r in batch:
            res = by_id.get(r.item.id)
            if res is not None:
                finish(ctx, r, res, answers.get(r.item.id), stats)
            ctx.advance()


def single_xml(ctx: JobContext, item: PackItem) -> str:
    """One invoice's dataPack as it travels, as text."""
    return build_pack([item], ico=ctx.settings.pohoda.ico, pack_id=PACK_ID,
                      application=ctx.settings.pohoda.application).xml.decode("cp1250")


def finish(ctx: JobContext, r: Ready, res: ItemResult | None, answer: str | None, stats: Stats, *,
           refused: str = "") -> None:
    """Record one invoice's outcome."""
    label = label_of(r.order.number)
    info = orders_job.details_of(ledger.get_entry(AGENDA, r.key))
    if res is not None and (res.is_duplicate or res.state != "error"):
        if res.is_duplicate:
            pohoda_id, number = res.duplicities[0].id, res.duplicities[0].number
            stats.duplicate += 1
        else:
            pohoda_id = res.produced.id if res.produced else None
            number = res.produced.number if res.produced else ""
        info["details"] = orders_job.detail_dicts(res)
        warnings = r.warnings + [d.note for d in res.warnings if d.note]
        ledger.save_entry(AGENDA, r.key, state="ok", pohoda_id=pohoda_id, pohoda_number=number, error="",
                          warnings=warnings, details=info, answer_xml=answer, run=ctx.run_id)
        stats.ok += 1
        ctx.ok(r.key, f"Vydaná faktura {number}", label=label)
        if warnings:
            ctx.event(r.key, "warning", "; ".join(warnings), label=label)
        return
    message = refused or (orders_job.error_text(res) if res is not None else "POHODA neodpověděla.")
    info["details"] = orders_job.detail_dicts(res) if res is not None else []
    ledger.save_entry(AGENDA, r.key, state="error", error=message, details=info, answer_xml=answer, run=ctx.run_id)
    stats.error += 1
    ctx.error(r.key, message, label=label)


def reconcile_sending(ctx: JobContext, stats: Stats) -> None:
    """Invoice rows left ``sending``: found in POHODA (extId / numberOrder) → ok; else pending (sent again)."""
    rows = list(ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "sending")))
    if not rows:
        return
    found = find_invoices(ctx, rows)
    for entry in rows:
        hit = found.get(entry.key)
        if hit is None:
            ledger.save_entry(AGENDA, entry.key, state="pending", run=ctx.run_id,
                              error="Přenos byl přerušen a POHODA fakturu nemá; bude odeslána znovu.")
            continue
        ledger.save_entry(AGENDA, entry.key, state="ok", pohoda_id=hit.id or None, pohoda_number=hit.number,
                          error="", run=ctx.run_id)
        stats.ok += 1
        stats.reconciled += 1
        ctx.ok(entry.key, f"Vydaná faktura {hit.number} (nalezena po přerušeném přenosu).", label=entry.label)


def find_invoices(ctx: JobContext, rows: Iterable[ledger.Entry]) -> dict[str, PohodaInvoice]:
    """key → the issued invoice POHODA holds for it (extId, else numberOrder), listed from the earliest date."""
    rows = list(rows)
    days = []
    for e in rows:
        day = orders_job.details_of(e).get("date")
        if day:
            days.append(datetime.fromisoformat(day).date())
    start = (min(days) if days else ctx.now().date()) - timedelta(days=1)
    request = list_invoices_request(date_from=min(start, ctx.now().astimezone().date() - timedelta(days=1)),
                                    ext_system=EXT_SYSTEM)
    pack = build_pack([request], ico=ctx.settings.pohoda.ico, pack_id=lookup_pack_id("linv"),
                      application=ctx.settings.pohoda.application)
    ctx.count_request("pohoda")
    parts = split_items(ctx.pohoda().post(pack.xml, write=False))
    part = parts.get(request.id)
    listed = parse_list_invoices(part[0]).records if part else []
    by_ext = {i.ext_id: i for i in listed if i.ext_id}
    by_number: dict[str, PohodaInvoice] = {}
    for i in listed:
        by_number.setdefault(i.number_order, i)
    out: dict[str, PohodaInvoice] = {}
    for e in rows:
        number = str(orders_job.details_of(e).get("number") or e.key)
        candidate = by_number.get(number)
        if candidate is not None and candidate.ext_id and candidate.ext_id != e.key:
            candidate = None
        hit = by_ext.get(e.key) or candidate
        if hit is not None:
            out[e.key] = hit
    return out

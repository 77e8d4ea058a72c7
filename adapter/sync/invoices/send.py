"""The exactly-once send of issued invoices, and the reconciliation of sends a crash interrupted.

The same rules as for received orders: every invoice of a batch is committed
as ``sending`` before the POST, item ids are deterministic under one constant
pack id with ``STW-Check-Duplicity``, a duplicity answer counts as success,
and rows left ``sending`` are looked up in POHODA (extId / numberOrder) before
anything is sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from adapter import ledger
from adapter.errors import IcoMismatch, PackError, PohodaError, ResponseParseError
from adapter.ledger import invoices as rows
from adapter.pohoda.answers import read_items, split_items
from adapter.pohoda.envelope import build_pack, lookup_pack_id
from adapter.pohoda.invoices import list_invoices_request, parse_list_invoices
from adapter.records import ItemResult, PohodaInvoice
from adapter.sync.context import JobContext
from adapter.sync.documents import Prepared, detail_dicts, details_of, error_text, pack_validity, snapshot
from adapter.sync.invoices.mapping import InvoiceMapped
from adapter.sync.orders.mapping import EXT_SYSTEM, local_date

PACK_ID = "eshop-faktury"

#: an invoice ready to send
PreparedInvoice = Prepared[InvoiceMapped]


def label_of(number: str) -> str:
    """The ledger label of an invoice."""
    return f"Faktura k objednávce {number}"


def send_batch(ctx: JobContext, batch: Sequence[PreparedInvoice]) -> None:
    """Commit ``sending``, POST, record each result (in a dry run: validate and note the preview)."""
    settings = ctx.settings
    pack = build_pack([r.item for r in batch], ico=settings.pohoda.ico, pack_id=PACK_ID,
                      application=settings.pohoda.application)
    singles = pack.single_texts()
    if ctx.dry_run:
        valid = pack_validity(pack.xml)
        for r in batch:
            ctx.event(r.key, "preview", f"Náhled faktury: XML {valid}", label=label_of(r.order.number))
            ctx.preview_rows.append({"objednávka": r.order.number, "stav": "k vystavení", "XML": valid,
                                     "xml": singles.get(r.item.id) or single_xml(ctx, r)})
            ctx.skipped(r.key)
            ctx.advance()
        return
    rows.begin_sending(sending_row(ctx, r, pack.pack_id, singles.get(r.item.id) or single_xml(ctx, r))
                       for r in batch)
    ctx.count_request("pohoda")
    try:
        answer = ctx.pohoda().post(pack.xml, write=True)
        by_id, answers = read_items(answer)
    except PackError as exc:
        for r in batch:
            finish(ctx, r, None, None, refused=f"POHODA odmítla celou dávku: {exc.note or exc.message}")
        return
    except IcoMismatch:
        rows.back_to_pending([r.key for r in batch])
        raise
    except (PohodaError, ResponseParseError):
        raise
    with rows.transaction():
        for r in batch:
            res = by_id.get(r.item.id)
            if res is not None:
                finish(ctx, r, res, answers.get(r.item.id))
            ctx.advance()


def single_xml(ctx: JobContext, r: PreparedInvoice) -> str:
    """One invoice's dataPack as it travels, as text (built on its own)."""
    return build_pack([r.item], ico=ctx.settings.pohoda.ico, pack_id=PACK_ID,
                      application=ctx.settings.pohoda.application).xml.decode("cp1250")


def sending_row(ctx: JobContext, r: PreparedInvoice, pack_id: str, sent_xml: str) -> dict[str, object]:
    """The ledger row of an invoice about to be sent."""
    info = details_of(r.entry)
    info.pop("reason", None)
    info.update(number=r.order.number, date=local_date(r.order.created).isoformat(), mode=ctx.settings.invoices.mode)
    return {"key": r.key, "label": label_of(r.order.number), "shop_id": r.key, "payload_hash": r.hash,
            "pack_id": pack_id, "item_id": r.item.id, "error": "", "warnings": r.warnings, "details": info,
            "sent_xml": sent_xml, "answer_xml": None, "eshop_data": snapshot(r.order), "attempts": r.attempts,
            "run": ctx.run_id}


def finish(ctx: JobContext, r: PreparedInvoice, res: ItemResult | None, answer: str | None, *,
           refused: str = "") -> None:
    """Record one invoice's outcome."""
    label = label_of(r.order.number)
    info = details_of(rows.rows_for([r.key]).get(r.key))
    if res is not None and (res.is_duplicate or res.state != "error"):
        if res.is_duplicate:
            pohoda_id, number = res.duplicities[0].id, res.duplicities[0].number
            ctx.tally["duplicate"] += 1
        else:
            pohoda_id = res.produced.id if res.produced else None
            number = res.produced.number if res.produced else ""
        info["details"] = detail_dicts(res)
        warnings = r.warnings + [d.note for d in res.warnings if d.note]
        rows.answered(r.key, state="ok", pohoda_id=pohoda_id, pohoda_number=number, error="", warnings=warnings,
                      details=info, answer_xml=answer, run=ctx.run_id)
        ctx.ok(r.key, f"Vydaná faktura {number}", label=label)
        if warnings:
            ctx.event(r.key, "warning", "; ".join(warnings), label=label)
        return
    message = refused or (error_text(res) if res is not None else "POHODA neodpověděla.")
    info["details"] = detail_dicts(res) if res is not None else []
    rows.answered(r.key, state="error", error=message, details=info, answer_xml=answer, run=ctx.run_id)
    ctx.error(r.key, message, label=label)


def reconcile_sending(ctx: JobContext) -> None:
    """Invoice rows left ``sending``: found in POHODA (extId / numberOrder) → ok; else pending (sent again)."""
    sending = rows.in_states(["sending"])
    if not sending:
        return
    found = find_invoices(ctx, sending)
    for entry in sending:
        hit = found.get(entry.key)
        if hit is None:
            rows.lost(entry.key, "Přenos byl přerušen a POHODA fakturu nemá; bude odeslána znovu.", ctx.run_id)
            continue
        rows.confirm(entry.key, pohoda_id=hit.id or None, number=hit.number, run=ctx.run_id)
        ctx.tally["reconciled"] += 1
        ctx.ok(entry.key, f"Vydaná faktura {hit.number} (nalezena po přerušeném přenosu).", label=entry.label)


def find_invoices(ctx: JobContext, entries: Iterable[ledger.Entry]) -> dict[str, PohodaInvoice]:
    """key → the issued invoice POHODA holds for it (extId, else numberOrder), listed from the earliest date."""
    entries = list(entries)
    days = []
    for e in entries:
        day = details_of(e).get("date")
        if day:
            days.append(datetime.fromisoformat(day).date())
    start = (min(days) if days else ctx.now().date()) - timedelta(days=1)
    types = ["issuedInvoice"] + (["issuedAdvanceInvoice"] if any(e.key.startswith("adv-") for e in entries) else [])
    requests = [list_invoices_request(date_from=min(start, ctx.now().astimezone().date() - timedelta(days=1)),
                                      ext_system=EXT_SYSTEM, invoice_type=kind) for kind in types]
    pack = build_pack(requests, ico=ctx.settings.pohoda.ico, pack_id=lookup_pack_id("linv"),
                      application=ctx.settings.pohoda.application)
    ctx.count_request("pohoda")
    parts = split_items(ctx.pohoda().post(pack.xml, write=False))
    listed = [i for r in requests if (part := parts.get(r.id)) for i in parse_list_invoices(part[0]).records]
    by_ext = {i.ext_id: i for i in listed if i.ext_id}
    by_number: dict[str, PohodaInvoice] = {}
    for i in listed:
        by_number.setdefault(i.number_order, i)
    out: dict[str, PohodaInvoice] = {}
    for e in entries:
        number = str(details_of(e).get("number") or e.key)
        candidate = by_number.get(number)
        if candidate is not None and candidate.ext_id and candidate.ext_id != e.key:
            candidate = None
        hit = by_ext.get(e.key) or candidate
        if hit is not None:
            out[e.key] = hit
    return out

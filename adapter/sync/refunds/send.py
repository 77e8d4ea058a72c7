"""The exactly-once send of credit notes, their reconciliation after a crash, and the shop's private note.

The rules of orders and invoices: every credit note of a pack is committed as
``sending`` (with its XML) before the POST; item ids are deterministic
(``dbp-<refund id>``) under one constant pack id with ``STW-Check-Duplicity``,
so a repeat is answered with the earlier record (counted as success); rows
left ``sending`` are looked up in POHODA's list of issued credit notes (by
extId ``refund-<id>``) before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from adapter import ledger
from adapter.czech import money
from adapter.errors import EshopError, IcoMismatch, PackError
from adapter.eshop.refunds import ShopRefund
from adapter.ledger import refunds as rows
from adapter.pohoda.answers import read_items, split_items
from adapter.pohoda.credit_notes import list_credit_notes_request
from adapter.pohoda.envelope import PackItem, build_pack, lookup_pack_id
from adapter.pohoda.invoices import parse_list_invoices
from adapter.records import ItemResult, Order
from adapter.sync.context import JobContext
from adapter.sync.documents import detail_dicts, details_of, error_text, pack_validity
from adapter.sync.orders.mapping import EXT_SYSTEM

PACK_ID = "eshop-dobropisy"


def label_of(refund_id: int | str, order_number: str) -> str:
    """The ledger label of a credit note."""
    return f"Dobropis k vrácení {refund_id} (objednávka {order_number})"


@dataclass
class PreparedCredit:
    """A refund's credit note ready to send."""

    refund: ShopRefund
    order: Order
    item: PackItem
    invoice_number: str
    entry: ledger.Entry | None
    warnings: list[str] = field(default_factory=list)
    regime: str = ""  #: the VAT regime and why (preview)
    rates: tuple[str, ...] = ()  #: each line's rate and why (preview)

    @property
    def key(self) -> str:
        """The ledger key: the shop refund id."""
        return str(self.refund.id)

    @property
    def label(self) -> str:
        """The ledger label."""
        return label_of(self.refund.id, self.order.number)


def details_for(r: PreparedCredit) -> dict[str, Any]:
    """What the ledger keeps about a credit note besides POHODA's answer."""
    info = details_of(r.entry)
    info.pop("reason", None)
    info.update(order_id=r.order.id, order_number=r.order.number, amount=str(r.refund.amount),
                refund_reason=r.refund.reason, invoice=r.invoice_number, date=r.refund.created.date().isoformat())
    return info


def send_batch(ctx: JobContext, batch: Sequence[PreparedCredit]) -> None:
    """Commit ``sending``, POST, record each result; in a dry run validate and keep the exact XML for the preview."""
    settings = ctx.settings
    pack = build_pack([r.item for r in batch], ico=settings.pohoda.ico, pack_id=PACK_ID,
                      application=settings.pohoda.application)
    singles = pack.single_texts()
    if ctx.dry_run:
        valid = pack_validity(pack.xml)
        for r in batch:
            ctx.event(r.key, "preview", f"Náhled dobropisu: XML {valid}", label=r.label)
            ctx.preview_rows.append({"objednávka": r.order.number, "vrácení": r.key,
                                     "částka": money(r.refund.amount, r.order.currency),
                                     "faktura": r.invoice_number, "stav": "k vystavení", "režim DPH": r.regime,
                                     "sazby": "; ".join(r.rates), "XML": valid,
                                     "xml": singles.get(r.item.id, "")})
            ctx.skipped(r.key)
            ctx.advance()
        return
    rows.begin_sending({"key": r.key, "label": r.label, "shop_id": str(r.order.id), "pack_id": pack.pack_id,
                        "item_id": r.item.id, "error": "", "warnings": r.warnings, "details": details_for(r),
                        "sent_xml": singles.get(r.item.id, ""), "answer_xml": None,
                        "attempts": (r.entry.attempts if r.entry is not None else 0) + 1, "run": ctx.run_id}
                       for r in batch)
    ctx.count_request("pohoda")
    try:
        answer = ctx.pohoda().post(pack.xml, write=True)
        by_id, answers = read_items(answer)
    except PackError as exc:
        for r in batch:
            rows.answered(r.key, state="error", error=f"POHODA odmítla celou dávku: {exc.note or exc.message}",
                          run=ctx.run_id)
            ctx.error(r.key, f"POHODA odmítla celou dávku: {exc.note or exc.message}", label=r.label)
        return
    except IcoMismatch:
        ledger.set_state(rows.AGENDA, [r.key for r in batch], "pending", error="")
        raise
    done: list[PreparedCredit] = []
    with rows.transaction():
        for r in batch:
            res = by_id.get(r.item.id)
            if res is not None and finish(ctx, r, res, answers.get(r.item.id)):
                done.append(r)
            ctx.advance()
    for r in done:
        note_shop(ctx, r.key)


def finish(ctx: JobContext, r: PreparedCredit, res: ItemResult, answer: str | None) -> bool:
    """Record one credit note's outcome; True when POHODA holds it."""
    info = details_for(r)
    info["details"] = detail_dicts(res)
    if res.is_duplicate or res.state != "error":
        if res.is_duplicate:
            pohoda_id, number = res.duplicities[0].id, res.duplicities[0].number
            ctx.tally["duplicate"] += 1
        else:
            pohoda_id = res.produced.id if res.produced else None
            number = res.produced.number if res.produced else ""
        warnings = r.warnings + [d.note for d in res.warnings if d.note]
        rows.answered(r.key, state="ok", pohoda_id=pohoda_id, pohoda_number=number, error="", warnings=warnings,
                      details=info, answer_xml=answer, run=ctx.run_id)
        ctx.ok(r.key, f"Dobropis {number} k faktuře {r.invoice_number} ({money(r.refund.amount, r.order.currency)})", label=r.label)
        return True
    message = error_text(res)
    rows.answered(r.key, state="error", error=message, details=info, answer_xml=answer, run=ctx.run_id)
    ctx.error(r.key, message, label=r.label)
    return False


def note_shop(ctx: JobContext, key: str) -> None:
    """Put a private note with the credit note's number on the shop order (once; retried by later runs)."""
    entry = rows.rows_for([key]).get(key)
    if entry is None or entry.state != "ok" or not entry.pohoda_number:
        return
    info = details_of(entry)
    if info.get("note") == "ok" or not info.get("order_id"):
        return
    marker = f"Dobropis {entry.pohoda_number}"
    text = (f"{marker} vystaven v POHODĚ k vrácení {key} ({info.get('amount', '')}), "
            f"k faktuře {info.get('invoice', '')}.")
    ctx.count_request("eshop")
    try:
        ctx.eshop().add_private_note(int(info["order_id"]), text, marker=marker)
    except EshopError as exc:
        info["note"] = f"nepodařilo se: {exc.message}"
        rows.note_done(key, info)
        ctx.event(key, "warning", f"Poznámku k objednávce se nepodařilo uložit ({exc.message}); zkusí se příště.",
                  label=entry.label)
        return
    info["note"] = "ok"
    rows.note_done(key, info)


def retry_notes(ctx: JobContext) -> None:
    """Shop notes a previous run could not write."""
    for entry in rows.in_states(["ok"]):
        if details_of(entry).get("note") != "ok":
            note_shop(ctx, entry.key)


def reconcile_sending(ctx: JobContext) -> None:
    """Credit notes left ``sending``: found in POHODA (extId) → ok; else pending (sent again in this run)."""
    sending = rows.in_states(["sending"])
    if not sending:
        return
    days = [date.fromisoformat(d) for d in (details_of(e).get("date") for e in sending) if d]
    start = min([*days, ctx.now().astimezone().date()]) - timedelta(days=1)
    request = list_credit_notes_request(date_from=start, ext_system=EXT_SYSTEM)
    pack = build_pack([request], ico=ctx.settings.pohoda.ico, pack_id=lookup_pack_id("ldbp"),
                      application=ctx.settings.pohoda.application)
    ctx.count_request("pohoda")
    parts = split_items(ctx.pohoda().post(pack.xml, write=False))
    part = parts.get(request.id)
    listed = parse_list_invoices(part[0]).records if part else []
    by_ext = {i.ext_id: i for i in listed if i.ext_id}
    for entry in sending:
        hit = by_ext.get(f"refund-{entry.key}")
        if hit is None:
            rows.lost(entry.key, "Přenos byl přerušen a POHODA dobropis nemá; bude odeslán znovu.", ctx.run_id)
            continue
        rows.confirm(entry.key, pohoda_id=hit.id or None, number=hit.number, run=ctx.run_id)
        ctx.tally["reconciled"] += 1
        ctx.ok(entry.key, f"Dobropis {hit.number} (nalezen po přerušeném přenosu).", label=entry.label)
        note_shop(ctx, entry.key)

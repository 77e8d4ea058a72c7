"""The exactly-once send of credit notes, their reconciliation after a crash, and the shop's private note.

The send is the documents' shared one (:func:`adapter.sync.sending.send_pack`):
every credit note of a pack is committed as ``sending`` (with its XML) before
the POST; item ids are deterministic (``dbp-<refund id>``) under one constant
pack id with ``STW-Check-Duplicity``, so a repeat is answered with the earlier
record (counted as success); rows left ``sending`` are looked up in POHODA's
list of issued credit notes (by extId ``refund-<id>``) before anything is sent
again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from adapter import ledger
from adapter.czech import money
from adapter.errors import EshopError
from adapter.eshop.refunds import ShopRefund
from adapter.ledger import refunds as rows
from adapter.pohoda.answers import split_items
from adapter.pohoda.credit_notes import list_credit_notes_request
from adapter.pohoda.envelope import PackItem, build_pack, lookup_pack_id
from adapter.pohoda.invoices import parse_list_invoices
from adapter.records import Order
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.orders.mapping import EXT_SYSTEM
from adapter.sync.sending import Kind, send_pack, settle_sending

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


class CreditNotes(Kind[PreparedCredit]):
    """Credit notes in the refunds agenda, pack ``eshop-dobropisy``."""

    rows = rows
    pack_id = PACK_ID
    preview_title = "Náhled dobropisu"

    def label(self, doc: PreparedCredit) -> str:
        return doc.label

    def columns(self, ctx: JobContext, doc: PreparedCredit) -> dict[str, Any]:
        info = details_of(doc.entry)
        info.pop("reason", None)
        info.update(order_id=doc.order.id, order_number=doc.order.number, amount=str(doc.refund.amount),
                    refund_reason=doc.refund.reason, invoice=doc.invoice_number,
                    date=doc.refund.created.date().isoformat())
        return {"shop_id": str(doc.order.id), "details": info}

    def done(self, doc: PreparedCredit, number: str) -> str:
        return f"Dobropis {number} k faktuře {doc.invoice_number} ({money(doc.refund.amount, doc.order.currency)})"

    def preview(self, doc: PreparedCredit, valid: str, xml: str) -> dict[str, str]:
        return {"objednávka": doc.order.number, "vrácení": doc.key, "částka": money(doc.refund.amount, doc.order.currency),
                "faktura": doc.invoice_number, "stav": "k vystavení", "režim DPH": doc.regime,
                "sazby": "; ".join(doc.rates), "XML": valid, "xml": xml}


def send_batch(ctx: JobContext, batch: Sequence[PreparedCredit]) -> None:
    """Send one pack of credit notes exactly once (a dry run: the preview), then note each on its shop order."""
    for r in send_pack(ctx, CreditNotes(), batch):
        note_shop(ctx, r.key)


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
    found = {e.key: by_ext[f"refund-{e.key}"] for e in sending if f"refund-{e.key}" in by_ext}
    for key in settle_sending(ctx, rows, sending, found,
                              lost="Přenos byl přerušen a POHODA dobropis nemá; bude odeslán znovu.",
                              done=lambda number: f"Dobropis {number} (nalezen po přerušeném přenosu)."):
        note_shop(ctx, key)

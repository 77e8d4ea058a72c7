"""The exactly-once send of issued invoices, and the reconciliation of sends a crash interrupted.

The documents' shared send (:func:`adapter.sync.sending.send_pack`), with the
rules of received orders: every invoice of a batch is committed as
``sending`` before the POST, item ids are deterministic under one constant
pack id with ``STW-Check-Duplicity``, a duplicity answer counts as success,
and rows left ``sending`` are looked up in POHODA (extId / numberOrder) before
anything is sent again. Advance invoices (``adv-<order id>``) go the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from adapter import ledger
from adapter.ledger import invoices as rows
from adapter.pohoda.answers import split_items
from adapter.pohoda.envelope import build_pack, lookup_pack_id
from adapter.pohoda.invoices import list_invoices_request, parse_list_invoices
from adapter.records import PohodaInvoice
from adapter.sync.context import JobContext
from adapter.sync.documents import Prepared, details_of, snapshot
from adapter.sync.invoices.mapping import InvoiceMapped
from adapter.sync.orders.mapping import EXT_SYSTEM, local_date
from adapter.sync.sending import Kind, send_pack, settle_sending

PACK_ID = "eshop-faktury"

#: an invoice ready to send
PreparedInvoice = Prepared[InvoiceMapped]


def label_of(number: str) -> str:
    """The ledger label of an invoice."""
    return f"Faktura k objednávce {number}"


class Invoices(Kind[PreparedInvoice]):
    """Issued invoices and advance invoices in the invoices agenda, pack ``eshop-faktury``."""

    rows = rows
    pack_id = PACK_ID
    preview_title = "Náhled faktury"
    warning_events = True

    def label(self, doc: PreparedInvoice) -> str:
        return label_of(doc.order.number)

    def columns(self, ctx: JobContext, doc: PreparedInvoice) -> dict[str, Any]:
        info = details_of(doc.entry)
        info.pop("reason", None)
        info.update(number=doc.order.number, date=local_date(doc.order.created).isoformat(),
                    mode=ctx.settings.invoices.mode)
        return {"shop_id": doc.key, "payload_hash": doc.hash, "details": info, "eshop_data": snapshot(doc.order)}

    def done(self, doc: PreparedInvoice, number: str) -> str:
        return f"Vydaná faktura {number}"

    def preview(self, doc: PreparedInvoice, valid: str, xml: str) -> dict[str, str]:
        return {"objednávka": doc.order.number, "stav": "k vystavení", "XML": valid, "xml": xml}


def send_batch(ctx: JobContext, batch: Sequence[PreparedInvoice]) -> None:
    """Send one pack of invoices exactly once (in a dry run: validate and note the preview)."""
    send_pack(ctx, Invoices(), batch)


def reconcile_sending(ctx: JobContext) -> None:
    """Invoice rows left ``sending``: found in POHODA (extId / numberOrder) → ok; else pending (sent again)."""
    sending = rows.in_states(["sending"])
    if sending:
        settle_sending(ctx, rows, sending, find_invoices(ctx, sending),
                       lost="Přenos byl přerušen a POHODA fakturu nemá; bude odeslána znovu.",
                       done=lambda number: f"Vydaná faktura {number} (nalezena po přerušeném přenosu).")


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

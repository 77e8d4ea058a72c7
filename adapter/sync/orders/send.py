"""The exactly-once send of received orders, and the reconciliation of sends a crash interrupted.

Every row of a batch is committed as ``sending`` with its XML and payload hash
*before* the POST; dataPackItem ids are deterministic under one constant pack
id and ``STW-Check-Duplicity`` is on, so a repeat is answered with the earlier
record (counted as success). Each answer is recorded per item (ok + POHODA's
id and number, or POHODA's error with every detail), then the shop order is
queued for marking (:mod:`adapter.sync.orders.marks`). Rows left ``sending``
are looked up in POHODA before anything is sent again (:func:`reconcile_sending`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from adapter import ledger
from adapter.config import Settings
from adapter.czech import money
from adapter.errors import IcoMismatch, PackError
from adapter.eshop.base import Eshop
from adapter.ledger import orders as rows
from adapter.pohoda import schema
from adapter.pohoda.answers import read_items
from adapter.pohoda.envelope import BuiltPack, PackItem, build_pack
from adapter.records import ItemResult, PohodaOrder
from adapter.sync.context import JobContext
from adapter.sync.documents import detail_dicts, details_of, error_text, snapshot, to_json
from adapter.sync.lookups import SentRow, find_orders
from adapter.sync.orders.evaluate import (
    PreparedOrder,
    preview_row,
    record_error,
    report_to_shop,
    sending_details,
)
from adapter.sync.orders.mapping import EXT_SYSTEM, label_of
from adapter.sync.orders.marks import ShopMarker, mark_in_shop
from adapter.sync.pipeline import Outcome, SendLane

log = logging.getLogger(__name__)

#: one constant pack id: with deterministic item ids, (pack id, item id) names one order forever,
#: so POHODA's batch duplicity check recognises a repeat whatever batch it travels in
PACK_ID = "eshop-objednavky"

#: what the send lane carries per pack: the documents and the pack
Batch = tuple[list[PreparedOrder], BuiltPack]


def order_pack(settings: Settings, items: Sequence[PackItem]) -> BuiltPack:
    """The dataPack of received orders as it travels (the constant pack id)."""
    return build_pack(items, ico=settings.pohoda.ico, pack_id=PACK_ID, application=settings.pohoda.application)


def single_xml(settings: Settings, item: PackItem) -> str:
    """The dataPack of one document exactly as it travels (same pack id and item id), as text."""
    return order_pack(settings, [item]).xml.decode("cp1250")


def validate_items(settings: Settings, batch: Sequence[PreparedOrder]
                   ) -> tuple[list[PreparedOrder], dict[str, list[str]], BuiltPack]:
    """Drop documents whose XML breaks the schema (never send a pack POHODA would refuse whole).

    Returns the good documents, the schema errors of the bad ones, and the
    pack of the good ones (the one built for validation when all are good).
    """
    pack = order_pack(settings, [p.item for p in batch])
    errors = schema.validate(pack.xml, "data")
    if not errors:
        return list(batch), {}, pack
    good: list[PreparedOrder] = []
    bad: dict[str, list[str]] = {}
    for p in batch:
        own = schema.validate(single_xml(settings, p.item).encode("cp1250"), "data") or []
        if own:
            bad[p.key] = own
        else:
            good.append(p)
    return good, bad, order_pack(settings, [p.item for p in good])


def preview_batch(ctx: JobContext, pack: BuiltPack, batch: Sequence[PreparedOrder]) -> None:
    """Dry run: validate the pack that would be sent and note it, send nothing."""
    errors = schema.validate(pack.xml, "data")
    valid = "nelze ověřit (chybí XSD)" if errors is None else ("platné" if not errors else "; ".join(errors[:3]))
    ctx.preview_packs.append({"dávka": len(ctx.preview_packs) + 1, "dokladů": len(batch), "bajtů": len(pack.xml),
                              "schéma": valid, "xml": pack.xml.decode("cp1250")})
    for p in batch:
        equal = "souhlasí" if p.mapped.doc_total == p.mapped.shop_total else "NESOUHLASÍ"
        message = (f"Náhled: XML {valid}; celkem {money(p.mapped.doc_total, p.mapped.currency)} ({equal} s e-shopem)"
                   + (f"; varování: {'; '.join(p.warnings)}" if p.warnings else ""))
        ctx.event(p.key, "preview", message, label=label_of(p.order.number))
        ctx.preview_rows.append(preview_row(p.order, p.mapped, "k odeslání", "; ".join(p.warnings), valid))
        ctx.skipped(p.key, label=label_of(p.order.number))
        ctx.advance()


class Sender:
    """Sends the run's batches through one :class:`SendLane` and records every answer in the job's thread.

    :meth:`dispatch` validates a batch, commits its rows as ``sending`` and
    queues the POST; :meth:`collect` records the answers that came back so
    far, :meth:`finish` waits for the rest. :meth:`abort` (on cancel or a
    failure) lets the pack in flight finish and be recorded, and sets the
    rows of packs that never left back to ``pending``. In a dry run nothing
    is queued: each batch becomes a preview.
    """

    def __init__(self, ctx: JobContext, marker: ShopMarker) -> None:
        self.ctx, self.marker = ctx, marker
        self._lane: SendLane[Batch] | None = None

    def _lane_now(self) -> SendLane[Batch]:
        if self._lane is None:
            client = self.ctx.pohoda()

            def send(body: bytes) -> bytes | PackError:  # only the request here: the answer is read in the job's thread
                try:
                    return client.post(body, write=True)
                except PackError as exc:  # POHODA refused this pack whole: an answer, not a failure of the lane
                    return exc

            self._lane = SendLane(send, ahead=2, name="orders-to-pohoda")
        return self._lane

    def dispatch(self, batch: Sequence[PreparedOrder]) -> None:
        """Validate, commit ``sending`` and queue one batch (or preview it in a dry run)."""
        ctx = self.ctx
        good, bad, pack = validate_items(ctx.settings, batch)
        for p in batch:
            if p.key in bad:
                record_error(ctx, p.order, p.hash, "XML dokladu neodpovídá schématu POHODY: " + "; ".join(bad[p.key][:3]))
                ctx.advance()
        if not good:
            return
        if ctx.dry_run:
            preview_batch(ctx, pack, good)
            return
        lane = self._lane_now()
        begin_sending(ctx, pack, good)
        lane.submit((good, pack), pack.xml)

    def collect(self, *, wait: bool = False) -> None:
        """Record the answers that are back (every outstanding one with ``wait``)."""
        if self._lane is not None:
            for outcome in self._lane.results(wait=wait):
                record_outcome(self.ctx, self.marker, outcome)

    @property
    def idle(self) -> bool:
        """True when no pack is queued or in flight (POHODA would wait for the next one); never in a dry run,
        whose preview shows full batches."""
        if self.ctx.dry_run:
            return False
        return self._lane is None or self._lane.pending == 0

    def finish(self) -> None:
        """Wait for every queued pack and record its answer; end the lane."""
        self.collect(wait=True)
        if self._lane is not None:
            self._lane.close()
            self._lane = None

    def abort(self) -> None:
        """Stop sending: the pack in flight is recorded, the queued ones go back to ``pending``. Never raises."""
        lane, self._lane = self._lane, None
        if lane is None:
            return
        lane.stop()
        try:
            for outcome in lane.results(wait=True):
                try:
                    record_outcome(self.ctx, self.marker, outcome)
                except Exception as exc:  # already failing: the rows stay "sending", the next run looks them up
                    log.warning("the answer to a pack in flight was lost while the run stopped: %s", exc)
                    for p in outcome.tag[0]:
                        self.ctx.event(p.key, "sending", "Odpověď POHODY na dávku se ztratila; objednávka se při "
                                       "příštím běhu nejdřív dohledá v POHODĚ.", label=label_of(p.order.number))
        finally:
            lane.close()


def begin_sending(ctx: JobContext, pack: BuiltPack, batch: Sequence[PreparedOrder]) -> None:
    """Commit every row of the batch as ``sending`` (XML + hash) in one transaction, before the POST."""
    singles = pack.singles()
    out = []
    for p in batch:
        p.details = sending_details(p, "mserver")
        p.details.update(total=str(p.mapped.shop_total), currency=p.mapped.currency)
        sent = singles.get(p.item.id)
        out.append({
            "key": p.key, "state": "sending", "label": label_of(p.order.number), "shop_id": p.key,
            "payload_hash": p.hash, "pack_id": pack.pack_id, "item_id": p.item.id, "error": "",
            "warnings": to_json(p.warnings) if p.warnings else "", "details": to_json(p.details),
            "sent_xml": sent.decode("cp1250") if sent is not None else single_xml(ctx.settings, p.item),
            "answer_xml": None, "eshop_data": to_json(p.snap or snapshot(p.order)), "attempts": p.attempts,
            "run_id": ctx.run_id,
        })
    rows.write_rows(out)


def record_outcome(ctx: JobContext, marker: ShopMarker, outcome: Outcome[Batch]) -> None:
    """Record one pack's answer: per item ok/error in the ledger, then queue the shop marking.

    A pack that never left goes back to ``pending``; a pack POHODA refused
    whole becomes errors; a lost answer (connection, timeout, garbage)
    re-raises and its rows stay ``sending`` for the next run to look up.
    """
    good, _pack = outcome.tag
    if not outcome.sent:
        reason = "Dávka nebyla odeslána, protože se přenos zastavil; odešle se při příštím běhu."
        rows.back_to_pending([p.key for p in good], reason)
        for p in good:
            ctx.event(p.key, "pending", reason, label=label_of(p.order.number))
        ctx.advance(len(good))
        return
    ctx.count_request("pohoda")
    if isinstance(outcome.value, PackError):
        exc = outcome.value
        rows.write_rows([finish_error(ctx, p, f"POHODA odmítla celou dávku: {exc.note or exc.message}", [], None)
                         for p in good])
        return
    if outcome.error is not None:
        if isinstance(outcome.error, IcoMismatch):
            rows.back_to_pending([p.key for p in good], "")
        # PohodaError / ResponseParseError: the answer is lost — the rows stay "sending" and the next run
        # looks them up in POHODA first
        raise outcome.error
    record_answer(ctx, marker, good, outcome.value)


def record_answer(ctx: JobContext, marker: ShopMarker, good: Sequence[PreparedOrder], answer: bytes) -> None:
    """Record POHODA's answer to a pack item by item (an unreadable answer raises: the rows stay ``sending``)."""
    by_id, answers = read_items(answer)
    out: list[dict[str, Any]] = []
    ok_rows: list[tuple[PreparedOrder, str]] = []
    for p in good:
        res = by_id.get(p.item.id)
        if res is None:
            ctx.event(p.key, "sending", "POHODA na doklad neodpověděla; ověří se při příštím běhu.",
                      label=label_of(p.order.number))
            continue
        row, number = finish_item(ctx, p, res, answers.get(p.item.id))
        out.append(row)
        if number is not None:
            ok_rows.append((p, number))
        ctx.advance()
    rows.write_rows(out)
    if ok_rows:
        marker.submit([(p.key, p.order, number, p.details) for p, number in ok_rows])


def finish_item(ctx: JobContext, p: PreparedOrder, res: ItemResult, answer: str | None
                ) -> tuple[dict[str, Any], str | None]:
    """One item's ledger row from its answer, plus POHODA's number when the order is (now or already) in POHODA."""
    warnings = p.warnings + [d.note for d in res.warnings if d.note]
    label = label_of(p.order.number)
    if res.is_duplicate:
        dup = res.duplicities[0]
        ctx.tally["duplicate"] += 1
        ctx.ok(p.key, f"Už v POHODĚ jako {dup.number} (kontrola duplicity).", label=label)
        ctx.event(p.key, "duplicate", f"POHODA ohlásila dříve importovaný doklad {dup.number}.", label=label)
        return finish_ok(ctx, p, dup.id, dup.number, warnings, detail_dicts(res), answer), dup.number
    if res.state == "error":
        return finish_error(ctx, p, error_text(res), detail_dicts(res), answer, warnings, advance=False), None
    produced = res.produced
    number = produced.number if produced else ""
    ctx.ok(p.key, f"Objednávka přijatá {number}", label=label)
    if warnings:
        ctx.event(p.key, "warning", "; ".join(warnings), label=label)
    return finish_ok(ctx, p, produced.id if produced else None, number, warnings, detail_dicts(res), answer), number


def finish_ok(ctx: JobContext, p: PreparedOrder, pohoda_id: int | None, number: str, warnings: list[str],
              details: list[dict[str, Any]], answer: str | None) -> dict[str, Any]:
    """The ledger row of an order now in POHODA."""
    info = dict(p.details)
    info["details"] = details
    info["mark_pending"] = True  # cleared once the shop order is marked; a crash before that → retried next run
    p.details = info
    return {"key": p.key, "state": "ok", "pohoda_id": pohoda_id, "pohoda_number": number, "error": "",
            "warnings": to_json(warnings) if warnings else "", "details": to_json(info), "answer_xml": answer,
            "run_id": ctx.run_id}


def finish_error(ctx: JobContext, p: PreparedOrder, message: str, details: list[dict[str, Any]], answer: str | None,
                 warnings: list[str] | None = None, *, advance: bool = True) -> dict[str, Any]:
    """The ledger row of an order POHODA refused; everything it said is kept."""
    info = dict(p.details)
    info["details"] = details
    ctx.error(p.key, message, label=label_of(p.order.number))
    report_to_shop(ctx, p.order, "error", message)
    if advance:
        ctx.advance()
    kept = warnings or p.warnings
    return {"key": p.key, "state": "error", "pohoda_id": None, "pohoda_number": "", "error": message,
            "warnings": to_json(kept) if kept else "", "details": to_json(info), "answer_xml": answer,
            "run_id": ctx.run_id}


# --------------------------------------------------------------------------- reconciliation


def sent_rows(entries: Iterable[ledger.Entry]) -> list[SentRow]:
    """Ledger rows as look-up requests."""
    out = []
    for e in entries:
        info = details_of(e)
        day = info.get("date")
        out.append(SentRow(key=e.key, number=str(info.get("number") or e.key),
                           day=datetime.fromisoformat(day).date() if day else None))
    return out


def reconcile_sending(ctx: JobContext, shop: Eshop) -> None:
    """Rows left ``sending``: found in POHODA → ok (and marked in the shop); lost mServer sends → pending."""
    pending = rows.in_states(["sending"])
    if not pending:
        return
    settings = ctx.settings

    def post(xml: bytes) -> bytes:
        ctx.count_request("pohoda")
        return ctx.pohoda().post(xml, write=False)

    found = find_orders(sent_rows(pending), ico=settings.pohoda.ico, post=post, ext_system=EXT_SYSTEM,
                        application=settings.pohoda.application)
    for entry in pending:
        hit = found.get(entry.key)
        if hit is not None:
            confirm(ctx, shop, entry, hit)
        elif details_of(entry).get("route") == "pull":
            continue  # POHODA fetched it; it may import it later — never re-send over mServer
        else:
            rows.lost(entry.key, "Přenos byl přerušen a POHODA doklad nemá; bude odeslán znovu.", ctx.run_id)


def confirm(ctx: JobContext, shop: Eshop | None, entry: ledger.Entry, hit: PohodaOrder) -> None:
    """A sending row POHODA turns out to hold: ok with POHODA's id and number, then mark the shop order."""
    info = details_of(entry)
    route = "POHODA si ji stáhla" if info.get("route") == "pull" else "nalezena po přerušeném přenosu"
    info["mark_pending"] = True
    rows.confirm(entry.key, pohoda_id=hit.id or None, number=hit.number, details=info, run=ctx.run_id)
    ctx.tally["reconciled"] += 1
    ctx.ok(entry.key, f"Objednávka přijatá {hit.number} ({route}).", label=entry.label)
    if shop is not None and entry.key.isdigit():
        mark_in_shop(ctx, shop, entry.key, int(entry.key), hit.number)

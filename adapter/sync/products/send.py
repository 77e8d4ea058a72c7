"""The exactly-once send of stock cards (and their initial-stock receipts) to POHODA.

Cards go in packs with deterministic item ids and ``STW-Check-Duplicity``;
every item's answer goes to its ledger row. A receipt (příjemka) per pack of
newly created cards carries the shop's quantities — once per product ever
(ledger agenda ``products_receipt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from adapter import ledger
from adapter.ledger.pairing import mark_paired
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.receipts import receipt_item
from adapter.records import DocLine, ItemResult, Product, ReceiptDoc
from adapter.sync.documents import pack_validity
from adapter.sync.products.mapping import Task, doc_hash

if TYPE_CHECKING:
    from adapter.sync.context import JobContext

AGENDA = "products"
RECEIPT_AGENDA = "products_receipt"
PACK_SIZE = 50  #: stock cards (or receipt lines) per dataPack


def send_cards(ctx: JobContext, batch: Sequence[Task], *, pack_no: int) -> list[Task]:
    """One pack of cards; every item's answer goes to its ledger row. Returns the tasks POHODA stored."""
    settings = ctx.settings
    pack = build_pack([t.item for t in batch], ico=settings.pohoda.ico, pack_id=f"products-{ctx.run_id}-{pack_no}",
                      application=settings.pohoda.application, note="Produkty z e-shopu")
    if ctx.dry_run:
        for task in batch:
            ctx.event(task.key, "preview", f"{_mode_word(task.mode)} zásobu {task.doc.code}", label=task.label)
        ctx.counts["ok"] += len(batch)
        ctx.preview_packs.append({"dávka": pack_no, "zásob": len(batch), "schéma": pack_validity(pack.xml),
                                  "xml": pack.xml.decode("cp1250")})
        return []
    client = ctx.pohoda()
    ledger.save_entries(AGENDA, [{"key": t.key, "label": t.label, "state": "sending", "shop_id": t.key,
                                  "pack_id": pack.pack_id, "item_id": t.item.id, "sent_xml": t.item.text(pretty=True),
                                  "run_id": ctx.run_id} for t in batch])
    answer = client.send(pack, write=True)
    ctx.count_request("pohoda")
    results = {r.item_id: r for r in answer.items}
    stored = []
    for task in batch:
        result = results.get(task.item.id)
        if result is not None and result.ok:
            stored.append(task)
            _record_ok(ctx, task, result)
        else:
            note = _note(result)
            ledger.save_entry(AGENDA, task.key, label=task.label, state="error", error=note, run=ctx.run_id,
                              details=[_detail(d) for d in (result.details if result else ())],
                              warnings=list(task.warnings))
            ctx.error(task.key, note, label=task.label)
    return stored


def _mode_word(mode: str) -> str:
    return {"add": "Založit", "update": "Aktualizovat", "upsert": "Založit nebo aktualizovat"}[mode]


def _detail(d: object) -> dict[str, object]:
    return {k: getattr(d, k) for k in ("state", "errno", "note", "xpath", "value_requested", "value_produced")}


def _note(result: ItemResult | None) -> str:
    if result is None:
        return "POHODA o položce neodpověděla; spusťte úlohu znovu (karta se podle kódu nezaloží dvakrát)."
    errors = "; ".join(d.note for d in result.errors if d.note)
    note = f"POHODA kartu odmítla: {result.note or errors or 'bez udání důvodu'}"
    if "storage" in note or "typePrice" in note:
        note += " Vyplňte Členění skladu a Typ ceny v Nastavení › Produkty do POHODY."
    return note


def _record_ok(ctx: JobContext, task: Task, result: ItemResult) -> None:
    produced = result.produced
    warnings = list(task.warnings) + [d.note for d in result.warnings if d.note]
    done = {"add": "založena", "update": "aktualizována", "upsert": "založena nebo aktualizována"}[task.mode]
    message = "již v POHODĚ (duplicita)" if result.is_duplicate else done
    ledger.save_entry(
        AGENDA, task.key, label=task.label, state="ok", error="", run=ctx.run_id,
        payload_hash=doc_hash(task.doc, task.mode), pohoda_id=produced.id if produced else None,
        pohoda_number=(produced.code if produced and produced.code else task.doc.code),
        warnings=warnings, details=[_detail(d) for d in result.details],
    )
    mark_paired(task.product.id, code=task.doc.code, card_id=produced.id if produced else None,
                    name=task.doc.name, ean=task.doc.ean, internet=task.doc.is_internet, now=ctx.now())
    ctx.ok(task.key, f"Zásoba {task.doc.code}: {message}", label=task.label)
    for warning in warnings:
        ctx.event(task.key, "warning", warning, label=task.label)


def send_receipts(ctx: JobContext, created: Sequence[Task], by_id: dict[int, Product]) -> int:
    """One receipt per pack of newly created cards, each product at most once ever; returns receipts stored."""
    lines_for = _receipt_lines(ctx, created, by_id)
    sent = 0
    for i in range(0, len(lines_for), PACK_SIZE):
        if _send_receipt(ctx, lines_for[i : i + PACK_SIZE], f"{ctx.run_id}-{i // PACK_SIZE + 1}"):
            sent += 1
    return sent


def _receipt_lines(ctx: JobContext, created: Sequence[Task], by_id: dict[int, Product]) -> list[tuple[Task, Decimal]]:
    """The newly created cards that get an initial quantity (never a product that had a receipt before)."""
    new = [t for t in created if t.mode in ("add", "upsert")]
    seen = ledger.entries_for(RECEIPT_AGENDA, [t.key for t in new])
    lines_for: list[tuple[Task, Decimal]] = []
    for task in new:
        product = by_id.get(task.product.id, task.product)
        qty = product.stock_quantity
        if task.key in seen:
            if seen[task.key].state == "sending":
                ctx.held(task.key, "Příjemka počátečního stavu se možná neodeslala celá; ověřte ji v POHODĚ "
                                   "(Sklady › Příjemky) — znovu se neposílá.", label=task.label)
            continue
        if qty is None or qty <= 0 or not product.manage_stock:
            continue
        lines_for.append((task, qty))
    return lines_for


def _send_receipt(ctx: JobContext, chunk: Sequence[tuple[Task, Decimal]], key: str) -> bool:
    """One receipt for one pack of cards; True when POHODA stored it."""
    settings = ctx.settings
    doc = ReceiptDoc(
        key=key,
        date=ctx.now().astimezone().date(),
        lines=tuple(DocLine(text=t.doc.name[:90], quantity=q, unit_price=Decimal(0), vat_rate=t.doc.vat_rate,
                            unit=t.doc.unit, stock_code=t.doc.code, store=settings.products.store or None)
                    for t, q in chunk),
        text="Počáteční stav zásob z e-shopu",
        note="Založeno adaptérem; nákupní ceny doplňte v POHODĚ.",
    )
    item = receipt_item(doc)
    pack = build_pack([item], ico=settings.pohoda.ico, pack_id=f"receipt-{key}",
                      application=settings.pohoda.application)
    ledger.save_entries(RECEIPT_AGENDA, [{"key": t.key, "label": f"Příjemka {t.doc.code}", "state": "sending",
                                          "pack_id": pack.pack_id, "item_id": item.id, "run_id": ctx.run_id,
                                          "details": f'{{"množství": "{q}"}}'} for t, q in chunk])
    answer = ctx.pohoda().send(pack, write=True)
    ctx.count_request("pohoda")
    result = next((r for r in answer.items if r.item_id == item.id), None)
    keys_chunk = [t.key for t, _ in chunk]
    if result is None or not result.ok:
        note = _note(result)
        ledger.set_state(RECEIPT_AGENDA, keys_chunk, "error", error=note)
        for task, _qty in chunk:
            ctx.error(task.key, f"Příjemka počátečního stavu: {note}", label=task.label)
        return False
    number = result.produced.number if result.produced else ""
    ledger.set_state(RECEIPT_AGENDA, keys_chunk, "ok", pohoda_number=number,
                     pohoda_id=result.produced.id if result.produced else None, sent_xml=item.text())
    for task, qty in chunk:
        ctx.event(task.key, "ok", f"Počáteční stav {qty} {task.doc.unit} na příjemce {number}".strip(),
                  label=task.label)
    return True

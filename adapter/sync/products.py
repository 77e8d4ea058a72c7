"""Produkty do POHODY: e-shop products become POHODA stock cards (Zásoby), matched by code = SKU.

Scope: by default every e-shop product POHODA does not have yet (the
pairing's *Jen v e-shopu* rows; with ``[products] update_existing`` also
paired products whose name, EAN or price differ from the card), or exactly
``options["keys"]`` (shop product ids, e.g. the ones ticked in the pairing
report). The job lists both sides and refreshes the pairing first, so a card
a crashed run already created is found and never created twice.

Cards are sent in packs with deterministic item ids and
``STW-Check-Duplicity``. With ``[products] initial_quantity`` the shop's
stock quantity of each newly created card goes in as one receipt (příjemka)
per pack — once per product ever (ledger agenda ``products_receipt``), never
on later runs. Quantities cannot be written through a stock import.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from lxml import etree

from adapter import ledger
from adapter.pohoda.envelope import PackItem, build_pack
from adapter.pohoda.receipts import receipt_item
from adapter.pohoda.stock import stock_item
from adapter.records import DocLine, ItemResult, Product, ReceiptDoc, StockCard, StockCardDoc, VatRate
from adapter.sync import pairing_store as ps
from adapter.sync.pairing import normalise

if TYPE_CHECKING:
    from adapter.config import ProductsSettings
    from adapter.sync.context import JobContext

log = logging.getLogger(__name__)

AGENDA = "products"
RECEIPT_AGENDA = "products_receipt"
PACK_SIZE = 50  #: stock cards per dataPack
CENT = Decimal("0.01")
#: WooCommerce tax class → POHODA VAT rate
TAX_CLASSES: dict[str, VatRate] = {"": "high", "standard": "high", "reduced-rate": "low", "zero-rate": "none"}

Mode = Literal["add", "update", "upsert"]


# =========================================================================== pure logic


def vat_rate_for(tax_class: str) -> tuple[VatRate, str]:
    """POHODA's VAT rate for a shop tax class, and a Czech warning when the class is unknown."""
    key = (tax_class or "").strip().lower()
    if key in TAX_CLASSES:
        return TAX_CLASSES[key], ""
    return "high", f"Daňová třída „{tax_class}“ není známá; použita základní sazba DPH."


def card_doc(product: Product, opts: ProductsSettings) -> tuple[StockCardDoc, list[str]]:
    """The stock card for one shop product, with warnings (unknown tax class, no price)."""
    warnings: list[str] = []
    rate, warning = vat_rate_for(product.tax_class)
    if warning:
        warnings.append(warning)
    price = product.regular_price
    if price is None:
        warnings.append("Produkt nemá cenu; karta bude mít prodejní cenu 0.")
    doc = StockCardDoc(
        code=product.sku.strip(),
        name=product.name.strip() or product.sku.strip(),
        ean=product.ean.strip(),
        unit=opts.unit or "ks",
        vat_rate=rate,
        selling_price=(price or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP),
        price_includes_vat=opts.price_includes_vat,
        is_internet=opts.is_internet,
        store=opts.store or None,
        storage=opts.storage or None,
        ext_id=str(product.id),
        ext_system="e-shop",
    )
    return doc, warnings


def card_differs(doc: StockCardDoc, card: StockCard) -> list[str]:
    """What an existing card would change (name, EAN, price, VAT rate); empty = nothing."""
    changes = []
    if doc.name != card.name:
        changes.append(f"název „{card.name}“ → „{doc.name}“")
    if doc.ean and doc.ean != card.ean:
        changes.append(f"EAN {card.ean or '—'} → {doc.ean}")
    same_basis = card.selling_price_includes_vat == doc.price_includes_vat
    if card.selling_price is None or not same_basis or card.selling_price != doc.selling_price:
        changes.append(f"cena {card.selling_price if card.selling_price is not None else '—'} → {doc.selling_price}")
    if doc.vat_rate != card.vat_rate:
        changes.append(f"sazba DPH {card.vat_rate} → {doc.vat_rate}")
    return changes


def doc_hash(doc: StockCardDoc, mode: str) -> str:
    """The payload hash of a card as sent."""
    text = "|".join(str(v) for v in (mode, doc.code, doc.name, doc.ean, doc.unit, doc.vat_rate, doc.selling_price,
                                     doc.price_includes_vat, doc.is_internet, doc.storage or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Task:
    """One product to send: its card, the import mode and the warnings found while building it."""

    product: Product
    doc: StockCardDoc
    mode: Mode
    item: PackItem
    warnings: tuple[str, ...]

    @property
    def key(self) -> str:
        """Ledger key (shop product id)."""
        return str(self.product.id)

    @property
    def label(self) -> str:
        """Ledger label."""
        return f"{self.doc.code} – {self.doc.name}"[:200]


# =========================================================================== the job


def run(ctx: JobContext) -> None:
    """The products job: see the module docstring."""
    settings = ctx.settings
    opts = settings.products
    client = ctx.pohoda()
    listing = ps.Listing()
    ctx.progress(0, 0, "Načítám zásoby z POHODY")
    cards = list(ps.iter_cards(client, stores=settings.stock.stores, page_size=settings.stock.page_size,
                               listing=listing, on_page=lambda n: ctx.progress(phase=f"Načítám zásoby z POHODY ({n})")))
    ctx.count_request("pohoda", listing.requests)
    ctx.check_cancel()
    ctx.progress(phase="Načítám produkty z e-shopu")
    products = list(ctx.eshop().iter_products())
    ctx.progress(phase="Páruji")
    refreshed = ps.compute_pairing(cards, products, settings)
    if not ctx.dry_run:
        ps.store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=ctx.now())
    result = refreshed.result
    case_sensitive = settings.pairing.case_sensitive
    card_by_code = {normalise(c.code, case_sensitive=case_sensitive): c for c in cards if c.code.strip()}
    sku_counts: dict[str, int] = {}
    for p in products:
        if p.kind != "variable" and p.sku.strip():
            key = normalise(p.sku, case_sensitive=case_sensitive)
            sku_counts[key] = sku_counts.get(key, 0) + 1

    keys = {str(k) for k in ctx.options.get("keys") or ()}
    by_id = {p.id: p for p in products}
    if keys:
        chosen = [by_id[int(k)] for k in sorted(keys, key=lambda k: int(k) if k.isdigit() else 0)
                  if k.isdigit() and int(k) in by_id]
        for k in sorted(keys - {str(p.id) for p in chosen}):
            ctx.skipped(k, "produkt v e-shopu nebyl nalezen", record=True)
    else:
        chosen = [r.product for r in result.rows if r.status == "eshop_only" and r.product is not None]
        if opts.update_existing:
            chosen += [r.product for r in result.rows if r.status == "paired" and r.product is not None]

    tasks: list[Task] = []
    for product in chosen:
        task = _task(ctx, product, opts, card_by_code, sku_counts, case_sensitive, explicit=bool(keys))
        if task is not None:
            tasks.append(task)
    ctx.progress(0, len(tasks), "Zakládám zásoby v POHODĚ" if not ctx.dry_run else "Náhled zásob")
    created: list[Task] = []
    done = 0
    for i in range(0, len(tasks), PACK_SIZE):
        ctx.check_cancel()
        batch = tasks[i : i + PACK_SIZE]
        created += _send_cards(ctx, batch, pack_no=i // PACK_SIZE + 1)
        done += len(batch)
        ctx.progress(done)
    receipts = 0
    if opts.initial_quantity and not ctx.dry_run:
        receipts = _receipts(ctx, created, by_id)
    ctx.report = {
        "vybráno produktů": len(chosen),
        "odesláno karet": len(tasks),
        "založeno / aktualizováno": len(created),
        "příjemek": receipts,
        "chyb": ctx.counts["error"],
    }


def _task(ctx: JobContext, product: Product, opts: ProductsSettings, card_by_code: dict[str, StockCard],
          sku_counts: dict[str, int], case_sensitive: bool, *, explicit: bool) -> Task | None:
    key = str(product.id)
    label = f"{product.sku.strip() or '(bez SKU)'} – {product.name}"[:200]
    if product.kind == "variable":
        ctx.skipped(key, "variabilní produkt nemá vlastní zásobu; zakládají se jeho varianty", label=label, record=True)
        return None
    sku = product.sku.strip()
    if not sku:
        ctx.held(key, "Produkt nemá SKU, kartu nelze založit. Doplňte SKU v e-shopu.", label=label)
        return None
    norm = normalise(sku, case_sensitive=case_sensitive)
    if sku_counts.get(norm, 0) > 1:
        ctx.held(key, f"SKU „{sku}“ má v e-shopu více produktů; opravte duplicitu v e-shopu.", label=label)
        return None
    doc, warnings = card_doc(product, opts)
    existing = card_by_code.get(norm)
    mode: Mode = "add"
    if existing is not None:
        if not opts.update_existing:
            if explicit:
                ctx.skipped(key, f"zásoba „{existing.code}“ už v POHODĚ je (aktualizaci zapněte v Nastavení › "
                                 "Produkty do POHODY)", label=label, record=True)
            return None
        changes = card_differs(doc, existing)
        if not changes:
            ctx.skipped(key, "zásoba v POHODĚ je aktuální", label=label, record=explicit)
            return None
        mode = "update"
        warnings.append("Změny: " + "; ".join(changes))
    elif opts.update_existing:
        mode = "upsert"
    try:
        item = stock_item(doc, mode=mode, type_price=opts.price_type or None)
    except ValueError as exc:
        ctx.error(key, str(exc), label=label)
        ledger.save_entry(AGENDA, key, label=label, state="error", error=str(exc), run=ctx.run_id, shop_id=key)
        return None
    return Task(product, doc, mode, item, tuple(warnings) + item.warnings)


def _item_xml(item: PackItem) -> str:
    return etree.tostring(item.element, encoding="unicode", pretty_print=True)


def _send_cards(ctx: JobContext, batch: Sequence[Task], *, pack_no: int) -> list[Task]:
    """One pack of cards; every item's answer goes to its ledger row. Returns the tasks POHODA stored."""
    if ctx.dry_run:
        for task in batch:
            ctx.event(task.key, "preview", f"{_mode_word(task.mode)} zásobu {task.doc.code}", label=task.label)
        ctx.counts["ok"] += len(batch)
        return []
    client = ctx.pohoda()
    settings = ctx.settings
    pack = build_pack([t.item for t in batch], ico=settings.pohoda.ico, pack_id=f"products-{ctx.run_id}-{pack_no}",
                      application=settings.pohoda.application, note="Produkty z e-shopu")
    ledger.save_entries(AGENDA, [{"key": t.key, "label": t.label, "state": "sending", "shop_id": t.key,
                                  "pack_id": pack.pack_id, "item_id": t.item.id, "sent_xml": _item_xml(t.item),
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
    ps.mark_created(task.product.id, code=task.doc.code, card_id=produced.id if produced else None,
                    name=task.doc.name, ean=task.doc.ean, internet=task.doc.is_internet, now=ctx.now())
    ctx.ok(task.key, f"Zásoba {task.doc.code}: {message}", label=task.label)
    for warning in warnings:
        ctx.event(task.key, "warning", warning, label=task.label)


def _receipts(ctx: JobContext, created: Sequence[Task], by_id: dict[int, Product]) -> int:
    """One receipt per pack of newly created cards, each product at most once ever."""
    new = [t for t in created if t.mode in ("add", "upsert")]
    keys = [t.key for t in new]
    seen = ledger.entries_for(RECEIPT_AGENDA, keys)
    lines_for: list[tuple[Task, Decimal]] = []
    for task in new:
        product = by_id.get(task.product.id, task.product)
        qty = product.stock_quantity
        if task.key in seen:
            entry = seen[task.key]
            if entry.state == "sending":
                ctx.held(task.key, "Příjemka počátečního stavu se možná neodeslala celá; ověřte ji v POHODĚ "
                                   "(Sklady › Příjemky) — znovu se neposílá.", label=task.label)
            continue
        if qty is None or qty <= 0 or not product.manage_stock:
            continue
        lines_for.append((task, qty))
    if not lines_for:
        return 0
    settings = ctx.settings
    sent = 0
    for i in range(0, len(lines_for), PACK_SIZE):
        chunk = lines_for[i : i + PACK_SIZE]
        key = f"{ctx.run_id}-{i // PACK_SIZE + 1}"
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
        if result is not None and result.ok:
            number = result.produced.number if result.produced else ""
            ledger.set_state(RECEIPT_AGENDA, keys_chunk, "ok", pohoda_number=number,
                             pohoda_id=result.produced.id if result.produced else None,
                             sent_xml=etree.tostring(item.element, encoding="unicode"))
            for task, qty in chunk:
                ctx.event(task.key, "ok", f"Počáteční stav {qty} {task.doc.unit} na příjemce {number}".strip(),
                          label=task.label)
            sent += 1
        else:
            note = _note(result)
            ledger.set_state(RECEIPT_AGENDA, keys_chunk, "error", error=note)
            for task, _qty in chunk:
                ctx.error(task.key, f"Příjemka počátečního stavu: {note}", label=task.label)
    return sent

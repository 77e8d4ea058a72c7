"""Produkty do POHODY: e-shop products become POHODA stock cards (Zásoby), matched by code = SKU.

Scope: exactly ``options["keys"]`` (shop product ids, the ones ticked in the
pairing report). Without keys a run creates nothing — a SKU with a typo would
otherwise become an empty card and let its orders past the pairing gate —
unless ``[products] create_all_unpaired`` asks for every e-shop product POHODA
does not have yet (the pairing's *Jen v e-shopu* rows; each run then warns);
with ``[products] update_existing`` paired products whose name, EAN or price
differ from the card are updated either way. The job lists both sides and refreshes the pairing first, so a card
a crashed run already created is found and never created twice.

Cards are sent in packs with deterministic item ids and
``STW-Check-Duplicity``. With ``[products] initial_quantity`` the shop's
stock quantity of each newly created card goes in as one receipt (příjemka)
per pack — once per product ever (ledger agenda ``products_receipt``), never
on later runs. Quantities cannot be written through a stock import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from adapter import ledger
from adapter.czech import plural
from adapter.pohoda.stock import stock_item
from adapter.records import Product, StockCard
from adapter.sync.base import TO_POHODA, AgendaJob
from adapter.sync.pairing.match import PairRow, normalise
from adapter.sync.pairing.pull import Listing, iter_cards
from adapter.sync.pairing.store import compute_pairing, store_pairing
from adapter.sync.products.mapping import Mode, Task, card_differs, card_doc
from adapter.sync.products.send import AGENDA, PACK_SIZE, RECEIPT_AGENDA, send_cards, send_receipts

if TYPE_CHECKING:
    from adapter.config import ProductsSettings
    from adapter.sync.context import JobContext


@dataclass
class _Listed:
    """Both sides as listed for this run: the shop's products and POHODA's cards per normalised code."""

    products: list[Product]
    chosen: list[Product]
    card_by_code: dict[str, StockCard]
    sku_counts: dict[str, int]


class ProductsJob(AgendaJob):
    """Shop products become POHODA stock cards; see the module docstring."""

    agenda = AGENDA
    direction = TO_POHODA
    actions = ("sync", "preview")
    ledger_agendas: ClassVar[dict[str, str]] = {RECEIPT_AGENDA: "Příjemky počátečních stavů"}
    batch_size = PACK_SIZE

    def run(self, ctx: JobContext) -> None:
        """List and pair both sides, send the chosen products' cards, then their initial-stock receipts."""
        opts = ctx.settings.products
        keys = {str(k) for k in ctx.options.get("keys") or ()}
        listed = self._list(ctx, keys)
        tasks: list[Task] = []
        for product in listed.chosen:
            task = _task(ctx, product, opts, listed.card_by_code, listed.sku_counts,
                         ctx.settings.pairing.case_sensitive, explicit=bool(keys))
            if task is not None:
                tasks.append(task)
        ctx.progress(0, len(tasks), "Zakládám zásoby v POHODĚ" if not ctx.dry_run else "Náhled zásob")
        created: list[Task] = []
        done = 0
        for i in range(0, len(tasks), PACK_SIZE):
            ctx.check_cancel()
            batch = tasks[i : i + PACK_SIZE]
            created += send_cards(ctx, batch, pack_no=i // PACK_SIZE + 1)
            done += len(batch)
            ctx.progress(done)
        receipts = 0
        if opts.initial_quantity and not ctx.dry_run:
            receipts = send_receipts(ctx, created, {p.id: p for p in listed.products})
        ctx.report = {
            "vybráno produktů": len(listed.chosen),
            "odesláno karet": len(tasks),
            "založeno / aktualizováno": len(created),
            "příjemek": receipts,
            "chyb": ctx.counts["error"],
        }
        if ctx.dry_run:
            ctx.report["dávky"] = ctx.preview_packs

    def _list(self, ctx: JobContext, keys: set[str]) -> _Listed:
        """Read both sides, refresh the pairing (a card a crashed run created is found) and choose the products."""
        settings = ctx.settings
        listing = Listing()
        ctx.progress(0, 0, "Načítám zásoby z POHODY")
        cards = list(iter_cards(ctx.pohoda(), stores=settings.stock.stores, page_size=settings.stock.page_size,
                                listing=listing,
                                on_page=lambda n: ctx.progress(phase=f"Načítám zásoby z POHODY ({n})")))
        ctx.count_request("pohoda", listing.requests)
        ctx.check_cancel()
        ctx.progress(phase="Načítám produkty z e-shopu")
        products = list(ctx.eshop().iter_products())
        ctx.progress(phase="Páruji")
        refreshed = compute_pairing(cards, products, settings)
        if not ctx.dry_run:
            store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=ctx.now())
        case_sensitive = settings.pairing.case_sensitive
        card_by_code = {normalise(c.code, case_sensitive=case_sensitive): c for c in cards if c.code.strip()}
        sku_counts: dict[str, int] = {}
        for p in products:
            if p.kind != "variable" and p.sku.strip():
                key = normalise(p.sku, case_sensitive=case_sensitive)
                sku_counts[key] = sku_counts.get(key, 0) + 1
        if keys:
            by_id = {p.id: p for p in products}
            chosen = [by_id[int(k)] for k in sorted(keys, key=lambda k: int(k) if k.isdigit() else 0)
                      if k.isdigit() and int(k) in by_id]
            for k in sorted(keys - {str(p.id) for p in chosen}):
                ctx.skipped(k, "produkt v e-shopu nebyl nalezen", record=True)
        else:
            chosen = _unticked(ctx, refreshed.result.rows)
        return _Listed(products, chosen, card_by_code, sku_counts)


def _unticked(ctx: JobContext, rows: list[PairRow]) -> list[Product]:
    """What a run without ticked products touches: updates if asked, new cards only by the explicit setting."""
    opts = ctx.settings.products
    unpaired = [r.product for r in rows if r.status == "eshop_only" and r.product is not None]
    chosen = [r.product for r in rows if r.status == "paired" and r.product is not None] if opts.update_existing else []
    if opts.create_all_unpaired:
        ctx.event("scope", "warning", f"Zakládají se zásoby pro nespárované produkty ({len(unpaired)}) "
                                      "(nastavení Zakládat všechny nespárované produkty). Produkt s překlepem v SKU "
                                      "tak dostane novou prázdnou zásobu; zkontrolujte je v přehledu Párování.")
        return unpaired + chosen
    if unpaired:
        waiting = plural(len(unpaired), "produkt bez zásoby v POHODĚ čeká", "produkty bez zásoby v POHODĚ čekají",
                         "produktů bez zásoby v POHODĚ čeká")
        ctx.message = (f"Nezaloženo nic: {waiting} na výběr. Zaškrtněte je "
                       "v přehledu Párování (Jen v e-shopu) a klikněte na Založit zaškrtnuté zásoby v POHODĚ.")
    return chosen


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

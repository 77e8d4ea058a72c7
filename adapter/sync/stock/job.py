"""Zásoby a ceny do e-shopu: POHODA is the master of stock; quantities (and prices) go to the shop.

Three ways in, one logic:

* **incremental** (the *Synchronizovat* button, the schedule): only cards POHODA
  lists as changed since the watermark (``lastChanges``, minus an overlap);
  the shop product ids come from the stored pairing (the ledger ``Pairing``
  table, only the codes the run needs), so a large catalogue is never
  re-listed; products the shop changed itself are compared too, unless the
  shop shows exactly what the ledger says was pushed last
  (:mod:`~adapter.sync.stock.incremental`);
* **full** (*Úplná kontrola*, the nightly run): every card and every shop
  product; the pairing is refreshed, every paired product is compared with
  what the shop shows now (drift from shop orders is put right), and a
  product whose card disappeared from POHODA gets quantity 0 (a warning);
  both catalogues are paired on disk, so memory does not grow with them
  (:mod:`~adapter.sync.stock.full`);
* **POHODA pushes** its stock export (*Odeslat na internet*) to
  ``/pohoda/stock``; the body is kept in a file and applied by a run with
  trigger ``pohoda`` (``options["push_file"]``).

Every product has a ledger row (agenda ``stock``, key = shop product id)
holding the hash of the values last pushed, so nothing unchanged is pushed
twice. Updates go out in batches of at most 100; the ledger is committed
after each successful batch, so an interrupted run resumes with what was not
committed. The watermark advances only at the end, after the rows it covers
are committed. Options: ``pairing_only`` (just refresh the pairing),
``keys`` (only these shop product ids, the retry button).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from adapter import ledger
from adapter.errors import AdapterError
from adapter.ledger import pairing as pairing_queries
from adapter.ledger.stock import stock_hashes
from adapter.pohoda.stock import iter_stock
from adapter.records import ZERO, Product, StockCard
from adapter.sync.base import TO_SHOP, AgendaJob
from adapter.sync.pairing.match import STATUS_TITLES, PairRow
from adapter.sync.pairing.pull import Listing, iter_cards, iter_listed, warehouses
from adapter.sync.pairing.store import (
    Target,
    compute_pairing,
    pairing_targets,
    store_pairing,
    store_streamed,
)
from adapter.sync.pairing.stream import ScratchPairing, StreamedRow
from adapter.sync.state import next_pohoda_cursor
from adapter.sync.stock import incremental
from adapter.sync.stock.full import PlanTable, card_stock, read_both
from adapter.sync.stock.mapping import (
    Desired,
    Plan,
    desired_for,
    group_by_code,
    shop_matches,
    vat_percents,
)
from adapter.sync.stock.send import BATCH, push, push_chunks, remember

if TYPE_CHECKING:
    from adapter.config import Settings, StockSettings
    from adapter.sync.context import JobContext

AGENDA = "stock"
NOT_COUNTED = "zásoba se nepočítá (není označena Internet nebo je v jiném skladu)"


class StockJob(AgendaJob):
    """Stock (and prices) from POHODA to the shop; see the module docstring.

    One instance per run: the run's settings, the POHODA listing facts and the
    ledger hashes are kept on it; counters go to ``ctx.tally`` (``pushed``,
    ``unchanged``, ``failed``, ``warnings``).
    """

    agenda = AGENDA
    direction = TO_SHOP
    actions = ("sync", "preview", "full")
    watermark = AGENDA
    batch_size = BATCH

    def __init__(self) -> None:
        self.listing = Listing()
        self.hashes: dict[str, tuple[str, str]] = {}  #: key → (hash, state)
        #: products the shop changed itself and that no longer show what was pushed last (real drift): id → values
        self.shop_now: dict[int, Product] = {}
        self.percents: dict[str, Decimal] = {}

    def run(self, ctx: JobContext) -> None:
        """One run in the mode its options ask for."""
        self.ctx = ctx
        self.settings: Settings = ctx.settings
        self.opts: StockSettings = ctx.settings.stock
        self.case_sensitive = ctx.settings.pairing.case_sensitive
        self.percents = vat_percents(ctx.settings)
        options = ctx.options
        if options.get("push_file"):
            self.run_push(Path(str(options["push_file"])))
        elif options.get("pairing_only"):
            self.run_pairing_only()
        elif options.get("keys"):
            self.run_keys([str(k) for k in options["keys"]])
        elif ctx.full or not pairing_queries.has_pairing():
            self.run_full()
        else:
            self.run_incremental()

    # ------------------------------------------------------------------ helpers

    def signpost(self) -> datetime:
        """The run's start in POHODA's local wall-clock time."""
        return self.ctx.now().astimezone().replace(tzinfo=None)

    def cards(self, phase: str, *, last_changes: datetime | None = None) -> Iterator[StockCard]:
        """POHODA's stock listing (streamed), with progress and cancel per page."""
        return iter_cards(self.ctx.pohoda(), stores=self.opts.stores, page_size=self.opts.page_size,
                          last_changes=last_changes, listing=self.listing, on_page=self._page_note(phase))

    def _page_note(self, phase: str) -> Callable[[int], None]:
        def note(cards: int) -> None:
            self.ctx.check_cancel()
            self.ctx.progress(phase=f"{phase} ({cards} zásob)")

        return note

    def _every_card(self, phase: str) -> Iterator[tuple[str, StockCard]]:
        """The full listing as (warehouse, card); without ``[stock] stores`` warehouse by warehouse, so each
        card's warehouse is known (the pairing report's *Sklady*, the orders' warehouse per line)."""
        stores = self.opts.stores or warehouses(self.ctx.pohoda(), self.listing)
        return iter_listed(self.ctx.pohoda(), stores=stores, page_size=self.opts.page_size, listing=self.listing,
                           on_page=self._page_note(phase))

    def count_pohoda(self) -> None:
        if self.listing.requests:
            self.ctx.count_request("pohoda", self.listing.requests)

    def finish_cursor(self, signpost: datetime) -> None:
        """Advance the watermark once everything it covers is committed (not in a preview)."""
        if self.ctx.dry_run:
            return
        previous = ledger.get_checkpoint(AGENDA)
        cursor = next_pohoda_cursor(previous.cursor if previous else "", self.listing.stamp, signpost)
        ledger.set_checkpoint(AGENDA, cursor, {"run": self.ctx.run_id}, now=self.ctx.now())

    def tallies(self) -> dict[str, int]:
        t = self.ctx.tally
        return {"odesláno do e-shopu": t["pushed"], "beze změny": t["unchanged"], "chyb": t["failed"]}

    def skip_or_plan(self, target: Target, desired: Desired | None, plans: list[Plan], *,
                      not_counted: str = NOT_COUNTED) -> None:
        """Plan one product unless nothing counts for it or the ledger shows it already pushed."""
        key = str(target.product_id)
        if desired is None:
            self.ctx.skipped(key, not_counted, label=f"SKU {target.sku}", record=True)
        elif self.hashes.get(key) == (desired.hash, "ok") and self._shop_agrees(target.product_id, desired):
            self.ctx.tally["unchanged"] += 1
            self.ctx.skipped(key)
        else:
            plans.append(Plan(target, desired))

    def _shop_agrees(self, product_id: int, desired: Desired) -> bool:
        """False when the shop changed the product itself and no longer shows what POHODA has."""
        current = self.shop_now.get(product_id)
        return current is None or shop_matches(current, desired)

    # ------------------------------------------------------------------ pairing only

    def run_pairing_only(self) -> None:
        """Just refresh the pairing (the pairing page's button)."""
        ctx = self.ctx
        ctx.progress(0, 0, "Načítám zásoby z POHODY")
        with self._scratch(stock=False) as scratch:
            self._read_into(scratch)
            ctx.progress(phase="Páruji")
            store_streamed(scratch, (item.row for item in scratch.rows()), now=ctx.now(), store=not ctx.dry_run)
        found = scratch.counts
        ctx.report = {"zásob v POHODĚ": scratch.cards, "produktů v e-shopu": scratch.products,
                      **{STATUS_TITLES[k]: v for k, v in found.items()}}
        ctx.message = (
            f"Párování obnoveno: spárováno {found['paired']}, jen v e-shopu {found['eshop_only']}, "
            f"jen v POHODĚ {found['pohoda_only']}, konflikty {found['conflict']}."
        )

    def _scratch(self, *, stock: bool) -> ScratchPairing:
        return ScratchPairing(case_sensitive=self.case_sensitive, ean_fallback=self.settings.pairing.ean_fallback,
                              card_stock=card_stock(self.opts) if stock else None)

    def _read_into(self, scratch: ScratchPairing) -> None:
        """Both listings onto disk at once (each side waits for its own server)."""
        ctx = self.ctx

        def cards_done() -> None:
            self.count_pohoda()
            ctx.check_cancel()
            ctx.progress(phase="Načítám produkty z e-shopu")

        read_both(scratch, ctx.eshop(), self._every_card("Načítám zásoby z POHODY"), after_cards=cards_done)
        ctx.check_cancel()

    # ------------------------------------------------------------------ full

    def run_full(self) -> None:
        """Every card and every product: refresh the pairing, put drift right, zero vanished cards.

        Both catalogues go to disk as they are read and are paired there
        (:mod:`adapter.sync.stock.full`); memory stays flat in their size.
        """
        ctx = self.ctx
        signpost = self.signpost()
        ctx.progress(0, 0, "Načítám zásoby z POHODY")
        with self._scratch(stock=True) as scratch, PlanTable(self.opts, self.percents) as plans:
            plans.note_previous()
            self._read_into(scratch)
            ctx.progress(phase="Páruji")
            skipped_cards = 0

            def planned() -> Iterator[PairRow]:
                nonlocal skipped_cards
                for item in scratch.rows():
                    skipped_cards += self._plan_row(item, plans)
                    yield item.row

            store_streamed(scratch, planned(), now=ctx.now(), store=not ctx.dry_run)
            vanished = self._plan_vanished(plans)
            if not ctx.dry_run:
                plans.forget_known_in_ledger()
                for chunk in plans.chunks(known=True):
                    remember(chunk, ctx.run_id)
            push_chunks(ctx, plans.chunks(known=False), plans.count(known=False))
        self.finish_cursor(signpost)
        ctx.report = {"režim": "úplná kontrola", "zásob v POHODĚ": self.listing.cards, **self.tallies(),
                      "zmizelé zásoby (stav 0)": vanished, "nepočítané zásoby": skipped_cards,
                      "požadavků na POHODU": self.listing.requests}

    def _plan_row(self, item: StreamedRow, plans: PlanTable) -> int:
        """Plan one pairing row's product (stored on disk); returns 1 when no card of its code counts."""
        row, product = item.row, item.row.product
        if product is None:
            return 0
        if item.stock is None or not row.code:
            plans.unlinked(product)
            return 0
        target = Target(product.id, product.parent_id, product.sku.strip(), row.code)
        desired = plans.desired(item.stock)
        if desired is None:
            self.ctx.skipped(str(product.id), NOT_COUNTED, label=f"SKU {target.sku}", record=True)
            return 1
        plan = Plan(target, desired)
        known = shop_matches(product, desired)
        if known:
            self.ctx.tally["unchanged"] += 1
            self.ctx.skipped(plan.key)
        plans.add(plan, known=known)
        return 0

    def _plan_vanished(self, plans: PlanTable) -> int:
        """Quantity 0 (with a warning) for products whose card disappeared from POHODA; returns how many."""
        count = 0
        for product in plans.vanished():
            count += 1
            target = Target(product.id, product.parent_id, product.sku, "")
            desired = Desired(ZERO)
            plan = Plan(target, desired, state="skipped",
                        warning=f"Zásoba „{product.sku}“ v POHODĚ už není; do e-shopu odeslán stav 0. "
                                "Zkontrolujte kartu v POHODĚ nebo SKU v e-shopu.")
            self.ctx.event(plan.key, "warning", plan.warning, label=plan.label)
            self.ctx.tally["warnings"] += 1
            known = shop_matches(product, desired)
            if known:
                self.ctx.tally["unchanged"] += 1
            plans.add(plan, known=known)
        return count

    # ------------------------------------------------------------------ incremental, retry (incremental.py)

    def run_incremental(self) -> None:
        """Only the cards POHODA lists as changed, the shop's own changes and the failed products."""
        incremental.run_incremental(self)

    def run_keys(self, keys: list[str]) -> None:
        """Only these shop product ids (the retry button), read afresh from POHODA."""
        incremental.run_keys(self, keys)

    # ------------------------------------------------------------------ POHODA pushed its export

    def run_push(self, path: Path) -> None:
        """Apply the stock export POHODA pushed (kept in ``path``; deleted once applied without errors)."""
        ctx = self.ctx
        if not path.is_file():
            raise AdapterError(f"Soubor se zásobami odeslanými z POHODY ({path.name}) už neexistuje; "
                               "odešlete zásoby z POHODY znovu (Odeslat na internet).")
        ctx.progress(0, 0, "Čtu zásoby odeslané z POHODY")
        with path.open("rb") as fh:
            cards = list(iter_stock(fh))
        if self.opts.stores:
            ctx.event("push", "warning", "Export z POHODY neuvádí sklad: sečtou se všechny karty se stejným kódem "
                                          "(nastavení Sklady se při odeslání z POHODY neuplatní).")
        if not pairing_queries.has_pairing() and not ctx.dry_run:
            ctx.progress(phase="Páruji se zásobami z exportu POHODY")
            refreshed = compute_pairing(cards, ctx.eshop().iter_products(), self.settings)
            store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=ctx.now())
        targets = pairing_targets()
        by_code = group_by_code(cards, case_sensitive=self.case_sensitive)
        unknown = sum(1 for k in by_code if k not in targets)
        push(ctx, self._plans_push(targets, by_code))
        ctx.report = {"režim": "odesláno z POHODY", "zásob v exportu": len(cards), **self.tallies(),
                      "kódů bez produktu v e-shopu": unknown}
        if not ctx.tally["failed"] and not ctx.dry_run:
            path.unlink(missing_ok=True)

    def _plans_push(self, targets: dict[str, list[Target]], by_code: dict[str, list[StockCard]]) -> list[Plan]:
        codes = [k for k in by_code if k in targets]
        self.hashes = stock_hashes(str(t.product_id) for k in codes for t in targets[k])
        push_opts = replace(self.opts, stores=())  # the export cannot say the warehouse: every card counts
        plans: list[Plan] = []
        for key in sorted(codes):
            desired = desired_for(by_code[key], push_opts, self.percents)
            for target in targets[key]:
                self.skip_or_plan(target, desired, plans, not_counted="zásoba není označena Internet")
        return plans

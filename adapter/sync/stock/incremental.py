"""The stock runs that touch only some products: incremental (changed cards, shop drift, retries) and retry.

An incremental run reads three short lists — the cards POHODA lists as
changed since the watermark, the products whose last push failed, and the
products the shop changed itself — and looks up in the stored pairing only
the targets of the codes they name (:func:`~adapter.sync.pairing.store.targets_for_codes`),
so neither catalogue is loaded whole.

**Shop drift.** The shop moves a product's modified date whenever it is
saved: after an order lowers its stock, but also after every write of the
adapter itself. A changed product is therefore drift only when the shop does
not show exactly what the ledger says the adapter pushed last (state ``ok``,
payload hash = the hash of the values the shop shows, :func:`shown_desired`);
POHODA's own changes come through ``lastChanges``. The listing is filtered
chunk by chunk against the ledger and only real drift is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from adapter.errors import AdapterError
from adapter.ledger import get_checkpoint
from adapter.ledger import pairing as pairing_queries
from adapter.ledger.stock import stock_error_keys, stock_hashes, stock_pushed
from adapter.records import Product, StockCard
from adapter.sync.pairing.pull import read_codes
from adapter.sync.pairing.store import Target, pairing_info, targets_for_codes, targets_for_products
from adapter.sync.state import format_pohoda_time, pohoda_since
from adapter.sync.stock.mapping import Plan, desired_for, group_by_code, shown_desired
from adapter.sync.stock.send import push

if TYPE_CHECKING:
    from adapter.sync.stock.job import StockJob

AGENDA = "stock"
#: changed shop products compared with the ledger per query
DRIFT_CHUNK = 500


def run_incremental(job: StockJob) -> None:
    """Only the cards POHODA lists as changed since the watermark, the shop's drift and last run's failures."""
    ctx = job.ctx
    signpost = job.signpost()
    checkpoint = get_checkpoint(AGENDA)
    since = pohoda_since(checkpoint.cursor if checkpoint else "", timedelta(minutes=job.opts.overlap_minutes))
    if since is None:
        job.run_full()
        return
    ctx.progress(0, 0, "Zjišťuji změny zásob v POHODĚ")
    changed = list(job.cards("Zjišťuji změny zásob v POHODĚ", last_changes=since))
    retry_keys = stock_error_keys()
    listed, job.shop_now = shop_drift(job, since)
    if not changed and not retry_keys and not job.shop_now:
        job.count_pohoda()
        job.finish_cursor(signpost)
        ctx.report = {"režim": "přírůstkově", "změněných zásob v POHODĚ": 0, "odesláno do e-shopu": 0,
                      "od": format_pohoda_time(since), "změněných produktů v e-shopu": listed,
                      "z toho změněno mimo adaptér": 0}
        ctx.message = "Žádné změny zásob od posledního běhu."
        return
    by_code = group_by_code(changed, case_sensitive=job.case_sensitive)
    targets = targets_for_codes({key: [c.code for c in cards] for key, cards in by_code.items()})
    by_product = targets_for_products([*(int(k) for k in retry_keys if k.isdigit()), *job.shop_now])
    targets.update(by_product)
    plans = plans_for_codes(job, targets, by_code, extra_codes=set(by_product))
    job.count_pohoda()
    push(ctx, plans)
    job.finish_cursor(signpost)
    ctx.report = {"režim": "přírůstkově", "od": format_pohoda_time(since), "změněných zásob v POHODĚ": len(changed),
                  **job.tallies(), "znovu zkoušeno po chybě": len(retry_keys),
                  "změněných produktů v e-shopu": listed, "z toho změněno mimo adaptér": len(job.shop_now)}


def shop_drift(job: StockJob, since: datetime) -> tuple[int, dict[int, Product]]:
    """(how many products the shop lists as changed since ``since``, the drift among them: id → values now).

    Drift is compared with POHODA in this run, so the shop never shows a count POHODA does not have for
    longer than one run. ``since`` is POHODA's (the PC's) local time.
    """
    job.ctx.progress(phase="Zjišťuji produkty změněné v e-shopu")
    job.ctx.count_request("eshop")
    listed = 0
    drift: dict[int, Product] = {}
    products = (p for p in job.ctx.eshop().iter_products_changed(since=since.astimezone(UTC)) if p.kind != "variable")
    while chunk := list(islice(products, DRIFT_CHUNK)):
        job.ctx.check_cancel()
        listed += len(chunk)
        drift.update((p.id, p) for p in drifted(chunk, job))
    return listed, drift


def drifted(products: list[Product], job: StockJob) -> Iterator[Product]:
    """The products whose values are not what the ledger says the adapter pushed last."""
    shown = {str(p.id): {d.hash for d in shown_desired(p, job.opts)} for p in products}
    explained = stock_pushed({key: hashes for key, hashes in shown.items() if hashes})
    return (p for p in products if str(p.id) not in explained)


def plans_for_codes(job: StockJob, targets: dict[str, list[Target]], by_code: dict[str, list[StockCard]], *,
                    extra_codes: set[str], only: set[int] | None = None, reread_all: bool = False) -> list[Plan]:
    """Plans for the products paired to the changed codes, re-reading codes whose other cards matter."""
    codes = {k for k in by_code if k in targets} | {k for k in extra_codes if k in targets}
    _reread(job, targets, by_code, codes, reread=set(codes) if reread_all else codes & extra_codes)
    job.hashes = stock_hashes(str(t.product_id) for k in codes for t in targets[k])
    plans: list[Plan] = []
    for key in sorted(codes):
        cards = by_code.get(key, [])
        for target in targets[key]:
            if only is not None and target.product_id not in only:
                continue
            if not cards:
                job.ctx.skipped(str(target.product_id), "zásoba v POHODĚ nebyla nalezena; rozhodne úplná kontrola",
                                label=f"SKU {target.sku}", record=True)
                continue
            job.skip_or_plan(target, desired_for(cards, job.opts, job.percents), plans)
    return plans


def _reread(job: StockJob, targets: dict[str, list[Target]], by_code: dict[str, list[StockCard]], codes: set[str], *,
            reread: set[str]) -> None:
    """Re-read (into ``by_code``) ``reread`` and the codes held by several cards or not fully listed."""
    multi = set(pairing_info().get("multi") or ())
    for key in codes:
        found = by_code.get(key, [])
        known_ids = {t.card_id for t in targets[key] if t.card_id is not None}
        if key in multi or not found or any(c.id not in known_ids for c in found):
            reread.add(key)
    if not reread:
        return
    job.ctx.progress(phase=f"Načítám aktuální stav {len(reread)} zásob ve všech skladech")
    fresh = read_codes(job.ctx.pohoda(), [targets[k][0].code for k in reread], stores=job.opts.stores,
                       listing=job.listing)
    fresh_by = group_by_code(fresh, case_sensitive=job.case_sensitive)
    for key in reread:
        by_code[key] = fresh_by.get(key, [])


def run_keys(job: StockJob, keys: list[str]) -> None:
    """Only these shop product ids (the retry button), read afresh from POHODA."""
    ctx = job.ctx
    if not pairing_queries.has_pairing():
        raise AdapterError("Párování ještě neproběhlo. Spusťte nejdřív Úplnou kontrolu zásob.")
    wanted = {int(k) for k in keys if k.isdigit()}
    targets = targets_for_products(wanted)
    missing = wanted - {t.product_id for ts in targets.values() for t in ts}
    for pid in sorted(missing):
        ctx.skipped(str(pid), "produkt není spárovaný se zásobou v POHODĚ", record=True)
    plans = plans_for_codes(job, targets, {}, extra_codes=set(targets), only=wanted, reread_all=True)
    job.count_pohoda()
    push(ctx, plans)
    ctx.report = {"režim": "vybrané produkty", "vybráno": len(wanted), **job.tallies()}

"""POHODA pulls received orders itself („Obecný internetový obchod“), for users without mServer.

POHODA POSTs a ``dat:dataPack`` with a ``lst:listOrderRequest`` to the
adapter and imports the ``rsp:responsePack`` it gets back: a ``lst:listOrder``
with one ``lst:order`` (``ord:orderType``) per ready order — marked for
transfer in the shop, every product paired (from the Pairing table; without
mServer nothing else can be asked), not yet transferred. Both directions are
Windows-1250.

The XML of both sides is read and written in :mod:`adapter.pohoda.answers`.
What POHODA fetched is written to the ledger as ``sending`` with details
``{"route": "pull"}`` inside a Run with trigger ``pohoda``, so it is never
offered twice. It becomes ``ok`` when the next orders run finds it in POHODA
over mServer (extId / numberOrder), or when a person presses „Potvrdit
přenos“ on the orders page.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from adapter import ledger
from adapter.config import Settings
from adapter.errors import AdapterError
from adapter.eshop.base import Eshop
from adapter.ledger import orders as rows
from adapter.pohoda.answers import PullRequestError, error_answer, list_answer, request_ids
from adapter.pohoda.envelope import PackItem, item_text
from adapter.records import Order
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of, snapshot
from adapter.sync.lookups import CodeResolver
from adapter.sync.orders.evaluate import evaluate, sending_details
from adapter.sync.orders.mapping import label_of, mapping_options

log = logging.getLogger(__name__)

AGENDA = rows.AGENDA


def pull_answer(settings: Settings, connections: Any, body: bytes, *, now: datetime | None = None) -> bytes:
    """Answer POHODA's order list request; records what it fetched. Never raises for bad input."""
    ico = settings.pohoda.ico
    try:
        pack_id, item_id = request_ids(body)
    except PullRequestError as exc:
        return error_answer("", ico, exc.message)
    run, created = ledger.start_run(AGENDA, "pohoda", options={"route": "pull"})
    if not created:
        return error_answer(pack_id, ico, "Adaptér právě přenáší objednávky; spusťte stažení v POHODĚ za chvíli znovu.")
    ctx = JobContext(run_id=run.id, agenda=AGENDA, settings=settings, connections=connections,
                     trigger="pohoda", options={"route": "pull"})
    status, message, answer = "failed", "", b""
    try:
        items = ready_orders(ctx, now or ledger.utcnow())
        answer = list_answer(pack_id, item_id, ico, items, now or ledger.utcnow())
        message = f"POHODA si stáhla {len(items)} objednávek; čekají na potvrzení přenosu."
        status = ctx.final_status()
    except AdapterError as exc:
        message = exc.message
        answer = error_answer(pack_id, ico, exc.message)
    except Exception:
        log.exception("pull of orders failed")
        message = "Neočekávaná chyba adaptéru při stahování objednávek POHODOU."
        answer = error_answer(pack_id, ico, message)
    finally:
        ctx.close()
        ctx.flush()
        ctx.message = message
        ledger.finish_run(run.id, status, message, done=ctx.done, total=max(ctx.total, ctx.done),
                          report=ctx.report_json())
    return answer


def pull_candidates(shop: Eshop, now: datetime, recheck_days: int) -> list[Order]:
    """The shop's orders for transfer of the recheck window, plus the held/pending/error rows it did not bring."""
    since = now - timedelta(days=max(1, recheck_days))
    found = {o.id: o for o in shop.iter_orders_for_transfer(since=since)}
    stale = [e for e in rows.in_states(("held", "pending", "error")) if e.key.isdigit() and int(e.key) not in found]
    if stale:
        numbers = [str(details_of(e).get("number") or e.key) for e in stale]
        for order in shop.find_orders(numbers).values():
            found[order.id] = order
    return sorted(found.values(), key=lambda o: (o.modified, o.id))


def ready_orders(ctx: JobContext, now: datetime) -> list[PackItem]:
    """Evaluate the shop's orders for transfer; record held ones; return the ready ones' ``ord:order`` items."""
    settings = ctx.settings
    orders = pull_candidates(ctx.eshop(), now, settings.orders.recheck_days)
    ctx.count_request("eshop")
    resolver = CodeResolver(ico=settings.pohoda.ico, post=_no_mserver, case_sensitive=settings.pairing.case_sensitive,
                            ean_fallback=False, store=settings.orders.store, application=settings.pohoda.application)
    resolver.lookups_enabled = False
    entries = rows.rows_for([str(o.id) for o in orders])
    opts = mapping_options(settings)
    ctx.progress(0, len(orders), "POHODA stahuje objednávky", force=True)
    out: list[PackItem] = []
    for order in orders:
        prepared = evaluate(ctx, order, entries.get(str(order.id)), resolver, opts)
        ctx.advance()
        if prepared is None or prepared.mapped.doc is None:
            continue
        info = sending_details(prepared, "pull")
        info.update(pohoda_number=prepared.mapped.doc.number_requested or "", total=str(order.total),
                    currency=order.currency)
        rows.fetched(prepared.key, label=label_of(order.number), digest=prepared.hash, warnings=prepared.warnings,
                     details=info, sent_xml=item_text(prepared.item), eshop_data=snapshot(order),
                     attempts=prepared.attempts, run=ctx.run_id)
        ctx.event(prepared.key, "sending", "Staženo POHODOU (Obecný internetový obchod); čeká na potvrzení přenosu.",
                  label=label_of(order.number))
        out.append(prepared.item)
    ctx.report = {"staženo POHODOU": len(out), "čeká (nespárováno aj.)": ctx.counts["held"],
                  "blokující SKU": [{"SKU": s, "objednávek": n} for s, n in ctx.blocking.most_common(50)]}
    return out


def _no_mserver(xml: bytes) -> bytes:
    raise AdapterError("Bez mServeru nelze zásoby v POHODĚ ověřit; párování se bere z přehledu Párování.")

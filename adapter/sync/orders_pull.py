"""POHODA pulls received orders itself („Obecný internetový obchod“), for users without mServer.

POHODA POSTs a ``dat:dataPack`` with a ``lst:listOrderRequest`` to the
adapter and imports the ``rsp:responsePack`` it gets back: a ``lst:listOrder``
with one ``lst:order`` (``ord:orderType``) per ready order — marked for
transfer in the shop, every product paired (from the Pairing table; without
mServer nothing else can be asked), not yet transferred. Both directions are
Windows-1250.

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

from lxml import etree

from adapter import ledger
from adapter.config import Settings
from adapter.errors import AdapterError
from adapter.pohoda.envelope import ENCODING, NS, XML_DECLARATION, q, xml_date
from adapter.pohoda.schema import safe_parser
from adapter.sync import orders as orders_job
from adapter.sync.context import JobContext
from adapter.sync.order_mapping import local_date
from adapter.sync.orders_pohoda import CodeResolver

log = logging.getLogger(__name__)

PROGRAM = "POHODA adaptér"


class PullRequestError(AdapterError):
    """Požadavek POHODY nelze přečíst (čekán dataPack s lst:listOrderRequest)."""


def request_ids(body: bytes) -> tuple[str, str]:
    """(dataPack id, id of the listOrderRequest item) of POHODA's request; bad input → PullRequestError."""
    try:
        doc = etree.fromstring(body, safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise PullRequestError(detail=str(exc)) from None
    if doc.tag != q("dat:dataPack"):
        raise PullRequestError(detail=f"root {doc.tag}")
    for item in doc.iterfind("dat:dataPackItem", NS):
        if item.find("lst:listOrderRequest", NS) is not None:
            return doc.get("id", ""), item.get("id", "")
    raise PullRequestError(detail="no lst:listOrderRequest")


def _rsp_pack(pack_id: str, state: str, ico: str, note: str = "") -> etree._Element:
    attrs = {"version": "2.0", "id": pack_id or "pull", "state": state, "programVersion": PROGRAM}
    if ico:
        attrs["ico"] = ico
    if note:
        attrs["note"] = note
    return etree.Element(q("rsp:responsePack"), attrs, nsmap=NS)


def serialise(pack: etree._Element) -> bytes:
    """A responsePack as Windows-1250 bytes with the declaration POHODA expects."""
    return XML_DECLARATION + etree.tostring(pack, encoding=ENCODING, xml_declaration=False)


def error_answer(pack_id: str, ico: str, note: str) -> bytes:
    """A pack-level refusal POHODA shows to the user."""
    return serialise(_rsp_pack(pack_id, "error", ico, note))


def list_answer(pack_id: str, item_id: str, ico: str, orders: list[etree._Element], now: datetime) -> bytes:
    """The responsePack with one ``lst:listOrder`` holding ``orders`` (``ord:order`` elements, renamed)."""
    pack = _rsp_pack(pack_id, "ok", ico)
    item = etree.SubElement(pack, q("rsp:responsePackItem"), {"version": "2.0", "id": item_id or "lord", "state": "ok"})
    local = now.astimezone().replace(tzinfo=None, microsecond=0)
    listed = etree.SubElement(item, q("lst:listOrder"), {
        "version": "2.0", "dateTimeStamp": local.isoformat(), "dateValidFrom": xml_date(local.date()), "state": "ok",
    })
    for order in orders:
        order.tag = q("lst:order")
        listed.append(order)
    return serialise(pack)


def pull_answer(settings: Settings, connections: Any, body: bytes, *, now: datetime | None = None) -> bytes:
    """Answer POHODA's order list request; records what it fetched. Never raises for bad input."""
    ico = settings.pohoda.ico
    try:
        pack_id, item_id = request_ids(body)
    except PullRequestError as exc:
        return error_answer("", ico, exc.message)
    run, created = ledger.start_run(orders_job.AGENDA, "pohoda", options={"route": "pull"})
    if not created:
        return error_answer(pack_id, ico, "Adaptér právě přenáší objednávky; spusťte stažení v POHODĚ za chvíli znovu.")
    ctx = JobContext(run_id=run.id, agenda=orders_job.AGENDA, settings=settings, connections=connections,
                     trigger="pohoda", options={"route": "pull"})
    status, message, answer = "failed", "", b""
    try:
        elements = ready_orders(ctx, now or ledger.utcnow())
        answer = list_answer(pack_id, item_id, ico, elements, now or ledger.utcnow())
        message = f"POHODA si stáhla {len(elements)} objednávek; čekají na potvrzení přenosu."
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


def ready_orders(ctx: JobContext, now: datetime) -> list[etree._Element]:
    """Evaluate the shop's orders for transfer; record held ones; return the ready ones as ``ord:order``."""
    settings = ctx.settings
    shop = ctx.eshop()
    since = now - timedelta(days=max(1, settings.orders.recheck_days))
    found = {o.id: o for o in shop.iter_orders_for_transfer(since=since)}
    ctx.count_request("eshop")
    stale = [e for e in ledger.Entry.select().where((ledger.Entry.agenda == orders_job.AGENDA)
                                                    & (ledger.Entry.state.in_(("held", "pending", "error"))))
             if e.key.isdigit() and int(e.key) not in found]
    if stale:
        numbers = [str(orders_job.details_of(e).get("number") or e.key) for e in stale]
        for order in shop.find_orders(numbers).values():
            found[order.id] = order
    orders = sorted(found.values(), key=lambda o: (o.modified, o.id))
    resolver = CodeResolver(ico=settings.pohoda.ico, post=_no_mserver, case_sensitive=settings.pairing.case_sensitive,
                            ean_fallback=False, store=settings.orders.store, application=settings.pohoda.application)
    resolver.lookups_enabled = False
    entries = ledger.entries_for(orders_job.AGENDA, [str(o.id) for o in orders])
    opts = orders_job.mapping_options(settings)
    stats = orders_job.RunStats()
    ctx.progress(0, len(orders), "POHODA stahuje objednávky", force=True)
    out: list[etree._Element] = []
    for order in orders:
        prepared = orders_job.evaluate(ctx, order, entries.get(str(order.id)), resolver, opts, stats)
        ctx.advance()
        if prepared is None or prepared.mapped.doc is None:
            continue
        doc = prepared.mapped.doc
        info = orders_job.details_of(prepared.entry)
        for stale_key in ("reasons", "skus", "problems", "details", "changed"):
            info.pop(stale_key, None)
        info.update(number=order.number, date=local_date(order.created).isoformat(), route="pull",
                    pohoda_number=doc.number_requested or "", total=str(order.total), currency=order.currency)
        ledger.save_entry(orders_job.AGENDA, prepared.key, state="sending", label=orders_job.label_of(order.number),
                          shop_id=prepared.key, payload_hash=prepared.hash, error="", warnings=prepared.warnings,
                          details=info, sent_xml=etree.tostring(prepared.item.element, encoding="unicode"),
                          answer_xml=None, eshop_data=orders_job.snapshot(order), run=ctx.run_id,
                          attempts=(prepared.entry.attempts if prepared.entry is not None else 0) + 1)
        ctx.event(prepared.key, "sending", "Staženo POHODOU (Obecný internetový obchod); čeká na potvrzení přenosu.",
                  label=orders_job.label_of(order.number))
        out.append(prepared.item.element)
    ctx.report = {"staženo POHODOU": len(out), "čeká (nespárováno aj.)": stats.held,
                  "blokující SKU": [{"SKU": s, "objednávek": n} for s, n in stats.blocking.most_common(50)]}
    return out


def _no_mserver(xml: bytes) -> bytes:
    raise AdapterError("Bez mServeru nelze zásoby v POHODĚ ověřit; párování se bere z přehledu Párování.")

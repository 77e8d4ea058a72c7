"""Orders cancelled in the shop after they reached POHODA: delete the received order, or list it for a person.

``[refunds] on_cancel = "delete"`` (default): a received order that is neither
invoiced (no issued invoice from it in our ledger) nor executed (*Vyřízeno* in
POHODA's list) is deleted in POHODA (``ord:actionType/ord:delete``), committed
as ``sending`` before the POST and looked up again after a crash. Anything
else — ``on_cancel = "list"``, an executed order, a refused delete — is
listed (``held``) with the reason and what to do. An invoiced order takes the
refund path: the credit note comes from the shop's refund; until the refunds
cover the order it is listed too. Never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapter import ledger
from adapter.eshop.base import Eshop
from adapter.ledger import invoices as invoice_rows
from adapter.ledger import orders as order_rows
from adapter.ledger import refunds as rows
from adapter.pohoda.answers import read_items, split_items
from adapter.pohoda.credit_notes import order_delete_item
from adapter.pohoda.envelope import build_pack, lookup_pack_id
from adapter.pohoda.orders import list_orders_request, parse_list_orders
from adapter.records import Order, PohodaOrder
from adapter.sync.context import JobContext
from adapter.sync.documents import detail_dicts, details_of, error_text

PACK_ID = "eshop-storna"
CANCELS = rows.CANCELS


def label_of(number: str) -> str:
    """The ledger label of a cancellation."""
    return f"Zrušená objednávka {number}"


def transferred(order_ids: Iterable[str]) -> dict[str, ledger.Entry]:
    """order id → its orders-ledger row, for orders POHODA holds (state ok)."""
    return {k: e for k, e in order_rows.rows_for(list(order_ids)).items() if e.state == "ok"}


def pohoda_orders(ctx: JobContext, numbers: Sequence[str]) -> dict[str, PohodaOrder]:
    """POHODA number → the received order POHODA lists under it (absent: not in POHODA)."""
    if not numbers:
        return {}
    request = list_orders_request(numbers=numbers)
    pack = build_pack([request], ico=ctx.settings.pohoda.ico, pack_id=lookup_pack_id("lord"),
                      application=ctx.settings.pohoda.application)
    ctx.count_request("pohoda")
    part = split_items(ctx.pohoda().post(pack.xml, write=False)).get(request.id)
    listed = parse_list_orders(part[0]).records if part else []
    return {o.number: o for o in listed}


def _hold(ctx: JobContext, order: Order, reason: str, row: ledger.Entry) -> None:
    ctx.held(str(order.id), reason, label=label_of(order.number))
    ctx.tally["cancel_listed"] += 1
    if ctx.dry_run:
        ctx.preview_rows.append({"objednávka": order.number, "stav": "zrušena — k vyřízení", "poznámka": reason})
        return
    rows.hold(str(order.id), agenda=CANCELS, label=label_of(order.number), reason=reason, shop_id=str(order.id),
              details={"number": order.number, "pohoda_number": row.pohoda_number, "status": order.status},
              run=ctx.run_id)


def handle(ctx: JobContext, orders: Sequence[Order], refunded: dict[str, Decimal]) -> None:
    """Decide and carry out what happens to each cancelled-after-transfer order (see the module docstring)."""
    statuses = set(ctx.settings.refunds.cancel_statuses)
    cancelled = [o for o in orders if o.status in statuses]
    sent = transferred(str(o.id) for o in cancelled)
    done = rows.rows_for(list(sent), CANCELS)
    invoices = invoice_rows.rows_for(list(sent))
    todo: list[tuple[Order, ledger.Entry]] = []
    for order in cancelled:
        key, row = str(order.id), sent.get(str(order.id))
        if row is None or (done.get(key) is not None and done[key].state in ("ok", "sending")):
            continue
        invoice = invoices.get(key)
        if invoice is not None and invoice.state == "ok":
            if refunded.get(key, Decimal(0)) >= order.total:
                _settled(ctx, order, f"Zrušená objednávka je celá vrácena dobropisem k faktuře {invoice.pohoda_number}.")
                continue
            _hold(ctx, order, f"Objednávka {order.number} byla zrušena po vystavení faktury {invoice.pohoda_number}. "
                              "Dobropis vznikne z vrácení peněz v e-shopu (Objednávka › Vrátit); bez vrácení "
                              "vystavte dobropis nebo storno faktury v POHODĚ ručně.", row)
        elif ctx.settings.refunds.on_cancel == "list":
            _hold(ctx, order, f"Objednávka {order.number} byla v e-shopu zrušena; přijatou objednávku "
                              f"{row.pohoda_number} v POHODĚ smažte nebo stornujte ručně (nastavení: jen vypsat).", row)
        else:
            todo.append((order, row))
    if todo:
        delete(ctx, todo)


def _settled(ctx: JobContext, order: Order, message: str) -> None:
    ctx.ok(str(order.id), message, label=label_of(order.number))
    if not ctx.dry_run:
        rows.answered(str(order.id), CANCELS, state="ok", label=label_of(order.number), shop_id=str(order.id),
                      error="", details={"number": order.number, "action": "refunded"}, run=ctx.run_id)


def delete(ctx: JobContext, todo: Sequence[tuple[Order, ledger.Entry]]) -> None:
    """Delete the received orders POHODA still holds unexecuted; list the executed ones."""
    listed = pohoda_orders(ctx, [row.pohoda_number for _, row in todo if row.pohoda_number])
    items, go = [], []
    for order, row in todo:
        found = listed.get(row.pohoda_number)
        if found is None:
            _settled(ctx, order, f"Přijatá objednávka {row.pohoda_number} už v POHODĚ není.")
        elif found.is_executed:
            _hold(ctx, order, f"Objednávka {order.number} byla v e-shopu zrušena, ale přijatá objednávka "
                              f"{row.pohoda_number} je v POHODĚ vyřízená — stornujte ji ručně.", row)
        else:
            items.append(order_delete_item(str(order.id), pohoda_id=found.id or None, number=row.pohoda_number))
            go.append((order, row))
    if not items:
        return
    pack = build_pack(items, ico=ctx.settings.pohoda.ico, pack_id=PACK_ID, application=ctx.settings.pohoda.application)
    singles = pack.single_texts()
    if ctx.dry_run:
        for (order, row), item in zip(go, items, strict=True):
            ctx.preview_rows.append({"objednávka": order.number, "stav": f"smazat {row.pohoda_number} v POHODĚ",
                                     "xml": singles.get(item.id, "")})
            ctx.skipped(str(order.id))
        return
    rows.begin_sending(({"key": str(o.id), "label": label_of(o.number), "shop_id": str(o.id), "pack_id": pack.pack_id,
                         "item_id": i.id, "error": "", "sent_xml": singles.get(i.id, ""), "run": ctx.run_id,
                         "details": {"number": o.number, "pohoda_number": r.pohoda_number, "date": _today(ctx)}}
                        for (o, r), i in zip(go, items, strict=True)), CANCELS)
    ctx.count_request("pohoda")
    answer = ctx.pohoda().post(pack.xml, write=True)
    by_id, answers = read_items(answer)
    with rows.transaction():
        for (order, row), item in zip(go, items, strict=True):
            res = by_id.get(item.id)
            key, label = str(order.id), label_of(order.number)
            info: dict[str, Any] = {"number": order.number, "pohoda_number": row.pohoda_number, "action": "deleted"}
            if res is not None and (res.state != "error" or res.is_duplicate):
                rows.answered(key, CANCELS, state="ok", error="", pohoda_number=row.pohoda_number, details=info,
                              answer_xml=answers.get(item.id), run=ctx.run_id)
                ctx.ok(key, f"Přijatá objednávka {row.pohoda_number} smazána v POHODĚ.", label=label)
                continue
            message = error_text(res) if res is not None else "POHODA neodpověděla."
            info["details"] = detail_dicts(res) if res is not None else []
            rows.answered(key, CANCELS, state="error", error=message, details=info, answer_xml=answers.get(item.id),
                          run=ctx.run_id)
            ctx.error(key, f"Přijatou objednávku {row.pohoda_number} nelze smazat: {message}", label=label)


def _today(ctx: JobContext) -> str:
    return ctx.now().astimezone().date().isoformat()


def reconcile(ctx: JobContext) -> None:
    """Deletes left ``sending``: the order gone from POHODA → ok; still there → pending (decided again)."""
    sending = rows.in_states(["sending"], CANCELS)
    if not sending:
        return
    numbers = [str(details_of(e).get("pohoda_number") or "") for e in sending]
    listed = pohoda_orders(ctx, [n for n in numbers if n])
    for entry, number in zip(sending, numbers, strict=True):
        if number and number in listed:
            rows.lost(entry.key, "Mazání bylo přerušeno a objednávka v POHODĚ zůstala; rozhodne se znovu.", ctx.run_id,
                      CANCELS)
            continue
        rows.confirm(entry.key, pohoda_id=None, number=number, run=ctx.run_id, agenda=CANCELS)
        ctx.tally["reconciled"] += 1
        ctx.ok(entry.key, f"Přijatá objednávka {number} smazána (ověřeno po přerušení).", label=entry.label)


def notice(ctx: JobContext, shop: Eshop, *, since: datetime | None) -> list[str]:
    """For the orders run: name the cancelled-after-transfer orders the refunds run has still to settle.

    Counted in ``ctx.tally["partial"]`` (the run ends partial) and named in the run's message.
    """
    statuses = tuple(ctx.settings.refunds.cancel_statuses)
    if not statuses:
        return []
    ctx.count_request("eshop")
    found = {str(c.order.id): c.order.number for c in shop.iter_order_changes(since=since, statuses=statuses)}
    for entry in rows.in_states(["held", "pending", "error"], CANCELS):
        found.setdefault(entry.key, str(details_of(entry).get("number") or entry.key))
    sent = transferred(found)
    settled = {k for k, e in rows.rows_for(list(sent), CANCELS).items() if e.state == "ok"}
    names = sorted((found[k] for k in sent if k not in settled), key=lambda n: (len(n), n))
    if names:
        ctx.tally["partial"] += 1
        ctx.report["zrušeno po přenosu"] = names
        for number in names:
            ctx.event(number, "held", f"Objednávka {number} byla v e-shopu zrušena po přenosu do POHODY; vyřídí ji "
                                      "běh Dobropisy a storna (app.py sync refunds).", label=label_of(number))
    return names


def notice_message(ctx: JobContext, names: Sequence[str]) -> str:
    """The orders run's message naming the cancelled-after-transfer orders (the runner's summary + the names)."""
    c = ctx.counts
    parts = [f"přeneseno {c['ok']}"] + [f"{word} {c[k]}" for k, word in
                                         (("error", "chyb"), ("held", "čeká"), ("skipped", "beze změny")) if c[k]]
    shown = ", ".join(names[:20]) + (f" a dalších {len(names) - 20}" if len(names) > 20 else "")
    return (("Náhled: " if ctx.dry_run else "") + ", ".join(parts) + ". Zrušeno v e-shopu po přenosu do POHODY: "
            f"{shown} — vyřídí je běh Dobropisy a storna (app.py sync refunds).")

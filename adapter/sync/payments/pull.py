"""What the payments job reads: issued invoices from POHODA (paged) and the orders' state in the shop.

``lastChanges`` lists only the invoices that changed, but an order may have
several invoices: the Checkpoint's ``extra["open"]`` remembers the invoices
of every order that still has an open one (:func:`update_open_invoices`), so
an order is judged on all its invoices (:func:`merge_open_invoices`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from adapter.errors import PohodaError
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import list_invoices_request, parse_list_invoices
from adapter.pohoda.lists import MAX_COUNT
from adapter.records import Order, PohodaInvoice
from adapter.sync.payments.matching import ShopOrderState, normalise_order_number

if TYPE_CHECKING:
    from adapter.eshop.base import Eshop
    from adapter.sync.context import JobContext

#: order numbers per ``find_orders`` call
SHOP_BATCH = 100
#: issued invoices per mServer list request (``options["page_size"]`` overrides)
PAGE_SIZE = 1000


def shop_state(order: Order) -> ShopOrderState:
    """The plan's view of one shop order."""
    return ShopOrderState(
        order_id=order.id,
        number=order.number,
        status=order.status,
        paid=order.paid,
        total=order.total,
        currency=order.currency,
    )


def fetch_shop_states(
    eshop: Eshop,
    numbers: Iterable[str],
    *,
    batch: int = SHOP_BATCH,
    on_batch: Callable[[int, int], None] | None = None,
) -> dict[str, ShopOrderState]:
    """Shop orders by normalised number, read in batches; ``on_batch(done, total)`` after each."""
    wanted = list(dict.fromkeys(n for n in (normalise_order_number(x) for x in numbers) if n))
    states: dict[str, ShopOrderState] = {}
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        for number, order in eshop.find_orders(chunk).items():
            states[normalise_order_number(number)] = shop_state(order)
        if on_batch is not None:
            on_batch(min(start + batch, len(wanted)), len(wanted))
    return states



def list_page_size(raw: Any) -> int:
    try:
        value = int(raw) if raw is not None else PAGE_SIZE
    except (TypeError, ValueError):
        value = PAGE_SIZE
    return max(1, min(MAX_COUNT, value))


def shop_progress(ctx: JobContext, done: int, total: int) -> None:
    ctx.count_request("eshop")
    ctx.progress(done, total, "Zjišťuji stav objednávek v e-shopu")
    ctx.check_cancel()


def read_invoices(ctx: JobContext, since: datetime | None, page_size: int) -> tuple[list[PohodaInvoice], datetime | None]:
    """Every issued invoice changed since ``since`` — and advance invoice with ``[advances]`` on — with a timestamp."""
    invoices, stamp = read_type(ctx, since, page_size, "issuedInvoice")
    if ctx.settings.advances.enabled:  # a paid advance invoice (zálohová faktura) pays its order too
        invoices += read_type(ctx, since, page_size, "issuedAdvanceInvoice")[0]
    return invoices, stamp


def read_type(ctx: JobContext, since: datetime | None, page_size: int,
              invoice_type: str) -> tuple[list[PohodaInvoice], datetime | None]:
    """The invoices of one ``invoiceType`` changed since ``since``, paged; returns (invoices, first timestamp)."""
    client = ctx.pohoda()
    pohoda = ctx.settings.pohoda
    invoices: list[PohodaInvoice] = []
    stamp: datetime | None = None
    id_from: int | None = None
    page = 0
    ctx.progress(0, 0, "Načítám vydané faktury z POHODY")
    while True:
        ctx.check_cancel()
        item = list_invoices_request(last_changes=since, id_from=id_from, count=page_size, invoice_type=invoice_type)
        prefix = "pay" if invoice_type == "issuedInvoice" else "payadv"
        pack = build_pack([item], ico=pohoda.ico, pack_id=f"{prefix}-{ctx.run_id}-{page}", application=pohoda.application)
        answer = client.post(pack.xml, write=False)
        ctx.count_request("pohoda")
        result = parse_list_invoices(answer)
        if result.state == "error":
            raise PohodaError(
                f"POHODA odmítla vypsat vydané faktury: {result.note or 'bez udání důvodu'}. "
                "Zkontrolujte práva uživatele mServeru k agendě Vydané faktury a spusťte běh znovu."
            )
        if stamp is None:
            stamp = result.timestamp
        invoices.extend(result.records)
        ctx.progress(len(invoices), len(invoices), f"Načítám vydané faktury z POHODY ({len(invoices)})")
        if len(result.records) < page_size:
            break
        next_id = max(r.id for r in result.records) + 1
        if id_from is not None and next_id <= id_from:
            break  # ids that do not grow would page forever
        id_from = next_id
        page += 1
    return invoices, stamp


def order_numbers_of(invoices: Iterable[PohodaInvoice]) -> list[str]:
    return list(dict.fromkeys(n for n in (normalise_order_number(i.number_order) for i in invoices) if n))


def open_from_extra(extra: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    raw = extra.get("open")
    return {str(k): dict(v) for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}


def _remembered_invoice(number: str, data: Mapping[str, Any]) -> PohodaInvoice | None:
    try:
        return PohodaInvoice(
            id=int(data.get("id", 0)),
            number=number,
            number_order=str(data["order"]),
            date=date.fromisoformat(data["date"]) if data.get("date") else None,
            total=Decimal(str(data.get("total", "0"))),
            to_pay=Decimal(str(data["to_pay"])),
            paid_date=date.fromisoformat(data["paid_date"]) if data.get("paid_date") else None,
        )
    except (KeyError, ValueError, ArithmeticError):
        return None


def merge_open_invoices(listed: Sequence[PohodaInvoice], remembered: Mapping[str, Mapping[str, Any]]) -> list[PohodaInvoice]:
    """The listed invoices plus the remembered invoices of the same orders that were not listed."""
    numbers = {normalise_order_number(i.number_order) for i in listed if i.number_order.strip()}
    seen = {i.number for i in listed}
    merged = list(listed)
    for number, data in remembered.items():
        if number in seen or normalise_order_number(str(data.get("order", ""))) not in numbers:
            continue
        invoice = _remembered_invoice(number, data)
        if invoice is not None:
            merged.append(invoice)
    return sorted(merged, key=lambda i: (i.id, i.number))  # POHODA's own order, whatever changed last


def update_open_invoices(
    remembered: Mapping[str, Mapping[str, Any]], listed: Iterable[PohodaInvoice], tolerance: Decimal
) -> dict[str, dict[str, Any]]:
    """The remembered invoices after this listing: every invoice of each order that still has an open one.

    Settled invoices stay remembered while another invoice of the same order
    is open, so the order's final mark names all its invoices; an order whose
    invoices are all settled is forgotten.
    """
    known = {k: dict(v) for k, v in remembered.items()}
    for invoice in listed:
        if not invoice.number or not invoice.number_order.strip():
            continue
        known[invoice.number] = {
            "id": invoice.id,
            "order": invoice.number_order.strip(),
            "date": invoice.date.isoformat() if invoice.date else "",
            "total": str(invoice.total),
            "to_pay": str(invoice.to_pay),
            "paid_date": invoice.paid_date.isoformat() if invoice.paid_date else "",
        }
    open_orders = set()
    for data in known.values():
        try:
            if Decimal(str(data.get("to_pay", "0"))) > tolerance:
                open_orders.add(normalise_order_number(str(data.get("order", ""))))
        except ArithmeticError:
            continue
    return {k: v for k, v in known.items() if normalise_order_number(str(v.get("order", ""))) in open_orders}

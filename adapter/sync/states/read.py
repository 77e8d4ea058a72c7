"""Paged list reads from POHODA shared by the ``states`` and ``documents`` agendas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from adapter.errors import PohodaError
from adapter.pohoda.envelope import PackItem, build_pack
from adapter.pohoda.invoices import list_invoices_request
from adapter.pohoda.lists import ListResult
from adapter.pohoda.orders import list_orders_request
from adapter.pohoda.states import InvoiceLink, OrderState, parse_invoice_links, parse_order_states
from adapter.sync.context import JobContext

PAGE_SIZE = 1000
NUMBERS_PER_REQUEST = 100


class HasId(Protocol):
    """A listed record with POHODA's record id."""

    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)


def read_pages(ctx: JobContext, make: Callable[[int | None, int], PackItem], parse: Callable[[bytes], ListResult[R]],
               *, what: str, prefix: str) -> tuple[list[R], datetime | None]:
    """Every record of a list request, paged by record id; returns (records, the first answer's timestamp)."""
    client, pohoda = ctx.pohoda(), ctx.settings.pohoda
    records: list[R] = []
    stamp: datetime | None = None
    id_from: int | None = None
    page = 0
    while True:
        ctx.check_cancel()
        pack = build_pack([make(id_from, PAGE_SIZE)], ico=pohoda.ico, pack_id=f"{prefix}-{ctx.run_id}-{page}",
                          application=pohoda.application)
        ctx.count_request("pohoda")
        result = parse(client.post(pack.xml, write=False))
        if result.state == "error":
            raise PohodaError(f"POHODA odmítla vypsat {what}: {result.note or 'bez udání důvodu'}. Zkontrolujte "
                              "práva uživatele mServeru k této agendě a spusťte běh znovu.")
        stamp = stamp or result.timestamp
        records.extend(result.records)
        if len(result.records) < PAGE_SIZE:
            return records, stamp
        id_from = max(r.id for r in result.records) + 1
        page += 1


def changed_orders(ctx: JobContext, since: datetime | None) -> tuple[list[OrderState], datetime | None]:
    """Received orders changed since ``since`` (all when None)."""
    return read_pages(ctx, lambda start, count: list_orders_request(last_changes=since, id_from=start, count=count),
                      parse_order_states, what="přijaté objednávky", prefix="st-ord")


def changed_invoices(ctx: JobContext, since: datetime | None, prefix: str = "st-inv") -> tuple[list[InvoiceLink], datetime | None]:
    """Issued invoices changed since ``since`` (all when None)."""
    return read_pages(ctx, lambda start, count: list_invoices_request(last_changes=since, id_from=start, count=count),
                      parse_invoice_links, what="vydané faktury", prefix=prefix)


def orders_by_number(ctx: JobContext, numbers: Sequence[str]) -> list[OrderState]:
    """Received orders by POHODA number (for invoices whose order did not change itself)."""
    found: list[OrderState] = []
    for start in range(0, len(numbers), NUMBERS_PER_REQUEST):
        chunk = list(numbers[start:start + NUMBERS_PER_REQUEST])
        records, _ = read_pages(ctx, lambda _s, _c, chunk=chunk: list_orders_request(numbers=chunk),  # type: ignore[misc]
                                parse_order_states, what="přijaté objednávky", prefix=f"st-num{start}")
        found.extend(records)
    return found

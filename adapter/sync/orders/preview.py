"""Preview of one order's transfer: the exact XML, its validation, the pairing per line, the totals.

Nothing is sent and nothing is written: the order is read from the shop, its
SKUs are paired (Pairing table, then a read-only ``listStockRequest``), the
document is built into the same dataPack the job would send (same pack id and
item id) and validated against ``data.xsd``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from adapter import ledger
from adapter.config import Settings
from adapter.errors import AdapterError
from adapter.eshop.base import ready_for_transfer
from adapter.ledger import orders as rows
from adapter.pohoda import schema
from adapter.pohoda.orders import order_item
from adapter.records import Order
from adapter.sync.advances.invoicing import document_numbers
from adapter.sync.lookups import CodeResolver
from adapter.sync.orders.mapping import LineView, Mapped, map_order, mapping_options
from adapter.sync.orders.send import single_xml


@dataclass
class OrderPreview:
    """Everything the preview page shows."""

    order_id: int
    order: Order | None = None
    problem: str = ""  #: why the preview could not be made (Czech)
    mapped: Mapped | None = None
    xml: str = ""
    validation: list[str] | None = field(default=None)  #: [] = valid, None = schema folder missing
    ready: bool = False  #: marked for transfer in the shop
    entry: ledger.Entry | None = None
    warnings: list[str] = field(default_factory=list)
    documents: list[tuple[str, str, str]] = field(default_factory=list)  #: the order's invoices: (name, number, state)

    @property
    def lines(self) -> tuple[LineView, ...]:
        """The lines next to their POHODA counterparts."""
        return self.mapped.lines if self.mapped else ()

    @property
    def totals_equal(self) -> bool:
        """True when POHODA's computed total equals the shop total."""
        return self.mapped is not None and self.mapped.doc_total == self.mapped.shop_total

    @property
    def can_transfer(self) -> bool:
        """True when the transfer button makes sense."""
        state = self.entry.state if self.entry is not None else ""
        return bool(self.ready and self.mapped and self.mapped.ok and state not in ("ok", "sending"))

    @property
    def difference(self) -> Decimal:
        """Document total minus shop total."""
        return (self.mapped.doc_total - self.mapped.shop_total) if self.mapped else Decimal(0)


def _resolver(settings: Settings, pohoda: Any) -> CodeResolver:
    """A pairing resolver asking POHODA read-only, or only the Pairing table when POHODA is not set up."""

    def post(xml: bytes) -> bytes:
        if pohoda is None:
            raise AdapterError("POHODA není nastavena; párování se bere z přehledu Párování.")
        answer: bytes = pohoda.post(xml, write=False)
        return answer

    resolver = CodeResolver(ico=settings.pohoda.ico, post=post, case_sensitive=settings.pairing.case_sensitive,
                            ean_fallback=settings.pairing.ean_fallback, store=settings.orders.store,
                            application=settings.pohoda.application)
    resolver.lookups_enabled = pohoda is not None
    return resolver


def preview_order(settings: Settings, connections: Any, order_id: int) -> OrderPreview:
    """Fetch, pair, map, build and validate one order without sending anything."""
    out = OrderPreview(order_id=order_id, entry=rows.row(str(order_id)), documents=document_numbers(order_id))
    shop = pohoda = None
    try:
        shop = connections.eshop(settings)
        out.order = shop.get_order(order_id)
        out.ready = ready_for_transfer(out.order, settings.orders)
        pohoda = connections.pohoda(settings) if settings.pohoda_configured else None
        resolver = _resolver(settings, pohoda)
        codes = resolver.resolve(line.sku for line in out.order.lines if line.kind == "product")
        out.mapped = map_order(out.order, codes, mapping_options(settings),
                               multi_store=frozenset(resolver.multi_store), elsewhere=resolver.elsewhere)
        if out.mapped.doc is not None:
            item = order_item(out.mapped.doc)
            out.xml = single_xml(settings, item)
            out.validation = schema.validate(out.xml.encode("cp1250"), "data")
            out.warnings = list(dict.fromkeys([*out.mapped.warnings, *item.warnings]))
        else:
            out.warnings = list(out.mapped.warnings)
    except AdapterError as exc:
        out.problem = exc.message
    except ValueError as exc:
        out.problem = f"Doklad nelze sestavit: {exc}"
    finally:
        for client in (shop, pohoda):
            if client is not None:
                client.close()
    return out

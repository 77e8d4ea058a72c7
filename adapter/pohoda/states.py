"""What happened to an order in POHODA: its state, carrier, tracking field and the invoice made from it.

Read from the ordinary list answers (``lst:listOrder`` / ``lst:listInvoice``, requested with
``lastChanges``; see :func:`adapter.pohoda.orders.list_orders_request` and
:func:`adapter.pohoda.invoices.list_invoices_request`).

Verified against the XSD (``order.xsd``, ``invoice.xsd``, ``type.xsd``): ``ord:isExecuted``,
``ord:isDelivered`` (export only), ``ord:carrier/typ:ids``, ``ord:note``, ``ord:intNote``,
``ord:text``, ``ord:parameters/typ:parameter`` (``typ:name`` + ``typ:textValue``…), and on the
invoice ``inv:linkedDocuments/typ:link/typ:sourceDocument`` (export only) and ``inv:numberOrder``.

Our reading (switchable in settings): POHODA has no tracking-number field, so the field the
accountant types it into is a setting (``[states] tracking_field``: ``note``, ``intNote``,
``text`` or ``param:NAME`` for a user field, e.g. ``param:VPrTracking``) — medium confidence that
shops use one of these. An invoice belongs to an order by its link (``linkedDocuments``, made
when the invoice is created from the order) or, failing that, by ``inv:numberOrder`` — high
confidence for the link (seen in a real 2025 sample), medium for the number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from adapter.pohoda.addressbook import parse_address
from adapter.pohoda.envelope import NS, text_of, to_int
from adapter.pohoda.lists import ListResult, parse_list
from adapter.writeback import HEADER_FIELDS, PARAM_PREFIX, tracking_field_problem

__all__ = ["InvoiceLink", "OrderState", "parse_invoice_links", "parse_order_states", "tracking_field_problem"]


@dataclass(frozen=True, slots=True)
class OrderState:
    """A received order as POHODA has it now: the facts the shop hears about."""

    id: int
    number: str
    number_order: str = ""
    ext_id: str = ""
    is_executed: bool = False
    is_delivered: bool = False
    carrier: str = ""
    fields: dict[str, str] = field(default_factory=dict)  #: note, intNote, text and param:NAME → text

    def tracking(self, field_name: str) -> str:
        """The tracking number typed into ``field_name`` (first line, trimmed), or ""."""
        if not field_name:
            return ""
        value = self.fields.get(field_name, "").strip()
        return value.splitlines()[0].strip() if value else ""


@dataclass(frozen=True, slots=True)
class InvoiceLink:
    """An issued invoice and the received order it was made from."""

    id: int
    number: str
    number_order: str = ""
    order_id: int | None = None
    order_number: str = ""
    partner_email: str = ""


def _params(header: etree._Element, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for param in header.iterfind(f"{prefix}:parameters/typ:parameter", NS):
        name = text_of(param, "typ:name")
        value = next((text_of(param, f"typ:{k}") for k in ("textValue", "memoValue", "listValueRef/typ:ids",
                                                            "integerValue", "numberValue") if text_of(param, f"typ:{k}")), "")
        if name:
            out[PARAM_PREFIX + name] = value
    return out


def _order_state(node: etree._Element) -> OrderState:
    header = node.find("ord:orderHeader", NS)
    if header is None:
        header = etree.Element("empty")
    fields = {name: text_of(header, f"ord:{name}") for name in HEADER_FIELDS}
    fields.update(_params(header, "ord"))
    return OrderState(
        id=to_int(text_of(header, "ord:id")) or 0,
        number=text_of(header, "ord:number/typ:numberRequested"),
        number_order=text_of(header, "ord:numberOrder"),
        ext_id=text_of(header, "ord:extId/typ:ids"),
        is_executed=text_of(header, "ord:isExecuted") == "true",
        is_delivered=text_of(header, "ord:isDelivered") == "true",
        carrier=text_of(header, "ord:carrier/typ:ids"),
        fields=fields,
    )


def _invoice_link(node: etree._Element) -> InvoiceLink:
    header = node.find("inv:invoiceHeader", NS)
    if header is None:
        header = etree.Element("empty")
    order_id, order_number = None, ""
    for link in node.iterfind("inv:linkedDocuments/typ:link", NS):
        if text_of(link, "typ:sourceAgenda") == "receivedOrder":
            order_id = to_int(text_of(link, "typ:sourceDocument/typ:id"))
            order_number = text_of(link, "typ:sourceDocument/typ:number")
            break
    partner = parse_address(header.find("inv:partnerIdentity/typ:address", NS))
    return InvoiceLink(
        id=to_int(text_of(header, "inv:id")) or 0,
        number=text_of(header, "inv:number/typ:numberRequested"),
        number_order=text_of(header, "inv:numberOrder"),
        order_id=order_id,
        order_number=order_number,
        partner_email=partner.email,
    )


def parse_order_states(xml: bytes) -> ListResult[OrderState]:
    """Parse a ``lst:listOrder`` answer into order states."""
    return parse_list(xml, "lst:listOrder", "lst:order", _order_state)


def parse_invoice_links(xml: bytes) -> ListResult[InvoiceLink]:
    """Parse a ``lst:listInvoice`` answer into invoices with their source order."""
    return parse_list(xml, "lst:listInvoice", "lst:invoice", _invoice_link)

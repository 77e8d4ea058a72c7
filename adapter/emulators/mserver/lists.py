"""List (export) handlers of the mServer emulator: stock, received orders, issued invoices, address book.

A handler validates the request eagerly (unknown user filter, unsupported
``queryFilter`` → :class:`ItemError`) and then returns a generator of text
chunks, so the HTTP layer can stream a 100 000-card answer row by row
from a SQLite cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver.common import ZERO, ItemContext, ItemError, dec
from adapter.emulators.mserver.fulfilment import order_state_xml
from adapter.emulators.mserver.imports import address_filter_sql, stock_filter_sql
from adapter.emulators.mserver.xml_io import (
    boolean,
    detail,
    find,
    findall,
    fmt,
    list_open,
    nd,
    parse_datetime,
    pretty_name,
    text,
    tx,
)

#: Canned "uživatelské filtry" per agenda: name → SQL condition.
USER_FILTERS: dict[str, dict[str, str]] = {
    "stock": {"Internet": "is_internet = 1", "E-shop zásoby": "is_internet = 1",
              "Skladem": "CAST(count AS REAL) > 0", "Vše": "1 = 1"},
    "address": {"Firmy": "ico <> ''", "Vše": "1 = 1"},
    "order": {"Nevyřízené": "is_executed = 0", "Rezervované": "is_reserved = 1", "Vše": "1 = 1"},
    "invoice": {"Neuhrazené": "CAST(to_pay AS REAL) > 0", "Uhrazené": "CAST(to_pay AS REAL) <= 0", "Vše": "1 = 1"},
}


@dataclass
class Group:
    """One (limit?, request…, restrictionData?) group of a list request."""

    request: etree._Element
    limit: etree._Element | None = None
    restriction: etree._Element | None = None


@dataclass
class Query:
    """A prepared SQL query for one group."""

    sql: str
    params: list[Any] = field(default_factory=list)
    restriction: etree._Element | None = None


def request_groups(el: etree._Element, request_local: str) -> list[Group]:
    """Split a list request into its groups (the schema allows up to 255)."""
    groups: list[Group] = []
    pending_limit: etree._Element | None = None
    for child in el:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local == "limit":
            pending_limit = child
        elif local == request_local:
            groups.append(Group(child, pending_limit))
            pending_limit = None
        elif local == "restrictionData" and groups:
            groups[-1].restriction = child
    return groups


def common_sql(group: Group, agenda: str, where: list[str], params: list[Any]) -> None:
    """Add lastChanges, userFilterName and limit/idFrom conditions; refuse queryFilter."""
    request = group.request
    query_filter = find(request, "ftr:queryFilter")
    if query_filter is not None:
        raise ItemError("Filtr ftr:queryFilter emulátor nepodporuje.", query_filter)
    changes = text(request, "ftr:filter/ftr:lastChanges")
    if changes:
        moment = parse_datetime(changes)
        assert moment is not None
        where.append("changed >= ?")
        params.append(moment.isoformat(timespec="microseconds"))
    user_filter = text(request, "ftr:userFilterName")
    if user_filter is not None:
        condition = USER_FILTERS[agenda].get(user_filter)
        if condition is None:
            raise ItemError(f"Uživatelský filtr '{user_filter}' v agendě neexistuje.",
                            find(request, "ftr:userFilterName"), requested=user_filter)
        where.append(condition)
    id_from = text(group.limit, "ftr:idFrom")
    if id_from:
        where.append("id >= ?")
        params.append(int(id_from))


def finish_sql(select: str, group: Group, where: list[str], params: list[Any]) -> Query:
    """Assemble ``select`` + conditions + ORDER BY id + LIMIT."""
    sql = select + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    count = text(group.limit, "ftr:count")
    if count:
        sql += " LIMIT ?"
        params.append(int(count))
    return Query(sql, params, group.restriction)


def restricted(restriction: etree._Element | None, name: str, default: bool) -> bool:
    """A ``restrictionData`` flag."""
    return boolean(_child_text(restriction, name), default)


def _child_text(restriction: etree._Element | None, name: str) -> str | None:
    if restriction is None:
        return None
    for child in restriction:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return (child.text or "").strip()
    return None


def stream(ctx: ItemContext, tag: str, queries: list[Query], render: Any) -> Iterator[str]:
    """The list element with every row of every query rendered by ``render(row, restriction)``."""
    yield list_open(tag, ctx.now)
    for query in queries:
        for row in ctx.store.iterate(query.sql, query.params):
            yield render(row, query.restriction)
    yield f"</{tag}>"


# --------------------------------------------------------------------------- stock

_STOCK_SELECT = (
    "SELECT stock.*, (SELECT group_concat(name || char(31) || price, char(30)) FROM price_level"
    " WHERE stock_id = stock.id) AS levels FROM stock"
)


def list_stock(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lStk:listStockRequest`` → ``lStk:listStock``."""
    ext_system = el.get("extSystem") or ""
    queries = []
    for group in request_groups(el, "requestStock"):
        where, params = stock_filter_sql(find(group.request, "ftr:filter"))
        common_sql(group, "stock", where, params)
        queries.append(finish_sql(_STOCK_SELECT, group, where, params))
    return stream(ctx, "lStk:listStock", queries, lambda row, r: stock_xml(row, r, ext_system))


def ext_id_xml(tag: str, row: Any, ext_system: str) -> str:
    """``extId`` of a record, exported only for the system named in the request's ``extSystem``."""
    if not ext_system or row["ext_system"] != ext_system or not row["ext_ids"]:
        return ""
    return nd(tag, tx("typ:ids", row["ext_ids"]), tx("typ:exSystemName", row["ext_system"]))


def stock_xml(row: Any, restriction: etree._Element | None, ext_system: str) -> str:
    """One ``lStk:stock`` (``stk:stockType``) with header and price levels."""
    header = nd(
        "stk:stockHeader",
        tx("stk:id", row["id"]),
        ext_id_xml("stk:extId", row, ext_system),
        tx("stk:stockType", row["stock_type"]),
        tx("stk:code", row["code"]),
        tx("stk:EAN", row["ean"]),
        tx("stk:isSales", bool(row["is_sales"])),
        tx("stk:isInternet", bool(row["is_internet"])),
        tx("stk:sellingRateVAT", row["vat_rate"]),
        tx("stk:name", row["name"]),
        tx("stk:unit", row["unit"]),
        nd("stk:storage", tx("typ:ids", row["storage"])),
        nd("stk:typePrice", tx("typ:ids", row["type_price"])),
        tx("stk:sellingPrice", dec(row["price"]), {"payVAT": bool(row["price_vat"])}),
        tx("stk:count", dec(row["count"])),
        tx("stk:reservation", dec(row["reservation"])),
        tx("stk:description", row["description"]),
        tx("stk:note", row["note"]),
    )
    prices = ""
    if row["levels"] and restricted(restriction, "stockPriceItem", True):
        entries = [part.split("\x1f") for part in row["levels"].split("\x1e")]
        prices = nd("stk:stockPriceItem", *(
            nd("stk:stockPrice", tx("typ:ids", name), tx("typ:price", Decimal(price))) for name, price in entries
        ))
    return nd("lStk:stock", header, prices, attrs={"version": "2.0"})


# --------------------------------------------------------------------------- address book


def list_addresses(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lAdb:listAddressBookRequest`` → ``lAdb:listAddressBook``."""
    ext_system = el.get("extSystem") or ""
    queries = []
    for group in request_groups(el, "requestAddressBook"):
        where, params = address_filter_sql(find(group.request, "ftr:filter"))
        common_sql(group, "address", where, params)
        queries.append(finish_sql("SELECT * FROM address", group, where, params))
    return stream(ctx, "lAdb:listAddressBook", queries, lambda row, r: address_xml(row, ext_system))


def address_fields_xml(values: dict[str, Any]) -> str:
    """A ``typ:address`` (typ:addressType) from stored fields."""
    return nd(
        "typ:address",
        tx("typ:company", values.get("company")),
        tx("typ:name", values.get("name")),
        tx("typ:city", values.get("city")),
        tx("typ:street", values.get("street")),
        tx("typ:zip", values.get("zip")),
        tx("typ:ico", values.get("ico")),
        tx("typ:dic", values.get("dic")),
        nd("typ:country", tx("typ:ids", values.get("country"))),
        tx("typ:phone", values.get("phone")),
        tx("typ:email", values.get("email")),
    )


def address_xml(row: Any, ext_system: str) -> str:
    """One ``lAdb:addressbook``."""
    values = dict(row)
    identity = nd("adb:identity", ext_id_xml("typ:extId", row, ext_system), address_fields_xml(values))
    header = nd(
        "adb:addressbookHeader",
        tx("adb:id", row["id"]),
        identity,
        tx("adb:phone", row["phone"]),
        tx("adb:mobil", row["mobil"]),
        tx("adb:email", row["email"]),
        tx("adb:note", row["note"]),
    )
    return nd("lAdb:addressbook", header, attrs={"version": "2.0"})


# --------------------------------------------------------------------------- documents (orders, invoices)


def docs_filter_sql(filter_el: etree._Element | None, where: list[str], params: list[Any]) -> None:
    """SQL conditions of a ``ftr:filterDocsType`` (id, extId, dates, numbers, companies, IČO)."""
    if filter_el is None:
        return
    raw_id = text(filter_el, "ftr:id")
    if raw_id is not None:
        where.append("id = ?")
        params.append(int(raw_id))
    ext = find(filter_el, "ftr:extId")
    if ext is not None:
        where.append("ext_ids = ? AND ext_system = ?")
        params += [text(ext, "typ:ids") or "", text(ext, "typ:exSystemName") or ""]
    for name, clause in (("dateFrom", "date >= ?"), ("dateTill", "date <= ?")):
        value = text(filter_el, f"ftr:{name}")
        if value:
            where.append(clause)
            params.append(value[:10])
    for path, column in (("ftr:selectedNumbers/ftr:number", "number"),
                         ("ftr:selectedCompanys/ftr:company", "json_extract(partner, '$.company')"),
                         ("ftr:selectedIco/ftr:ico", "json_extract(partner, '$.ico')")):
        values = [_number_value(n) for n in findall(filter_el, path)]
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += values


def _number_value(el: etree._Element) -> str:
    """``ftr:number`` holds ``typ:numberRequested`` (or ``typ:ids``); company/ico elements hold text."""
    for child in el:
        if isinstance(child.tag, str) and etree.QName(child).localname in ("numberRequested", "ids"):
            return (child.text or "").strip()
    return (el.text or "").strip()


def doc_queries(el: etree._Element, request_local: str, agenda: str, table: str) -> list[Query]:
    """Prepared queries for a document list request."""
    queries = []
    for group in request_groups(el, request_local):
        where: list[str] = []
        params: list[Any] = []
        docs_filter_sql(find(group.request, "ftr:filter"), where, params)
        common_sql(group, agenda, where, params)
        queries.append(finish_sql(f"SELECT * FROM {table}", group, where, params))  # noqa: S608
    return queries


def items_of(ctx: ItemContext, agenda: str, doc_id: int) -> list[Any]:
    """Stored lines of a document."""
    return ctx.store.query("SELECT * FROM doc_item WHERE agenda = ? AND doc_id = ? ORDER BY pos", (agenda, doc_id))


def item_xml(prefix: str, item: Any) -> str:
    """One ``ord:orderItem`` / ``inv:invoiceItem``."""
    stock = ""
    if item["stock_id"] is not None:
        stock = nd(
            f"{prefix}:stockItem",
            nd("typ:store", tx("typ:ids", item["store"])),
            nd("typ:stockItem", tx("typ:id", item["stock_id"]), tx("typ:ids", item["code"])),
        )
    foreign = ""
    if item["f_unit_price"]:
        foreign = nd(f"{prefix}:foreignCurrency", tx("typ:unitPrice", dec(item["f_unit_price"])),
                     tx("typ:priceSum", dec(item["f_price_sum"])))
    tag = "orderItem" if prefix == "ord" else "invoiceItem"
    return nd(
        f"{prefix}:{tag}",
        tx(f"{prefix}:id", item["id"]),
        tx(f"{prefix}:text", item["text"]),
        tx(f"{prefix}:quantity", dec(item["quantity"])),
        tx(f"{prefix}:unit", item["unit"]),
        tx(f"{prefix}:payVAT", bool(item["pay_vat"])),
        tx(f"{prefix}:rateVAT", item["rate_vat"]),
        tx(f"{prefix}:discountPercentage", dec(item["discount"])),
        nd(f"{prefix}:homeCurrency", tx("typ:unitPrice", dec(item["unit_price"])), tx("typ:price", dec(item["price"])),
           tx("typ:priceVAT", dec(item["price_vat"])), tx("typ:priceSum", dec(item["price_sum"]))),
        foreign,
        tx(f"{prefix}:note", item["note"]),
        tx(f"{prefix}:code", item["code"]),
        stock,
    )


def summary_xml(prefix: str, doc: Any, items: list[Any]) -> str:
    """``…Summary`` with per-rate sums (document rounding: none)."""
    sums: dict[str, list[Decimal]] = {r: [ZERO, ZERO, ZERO] for r in ("none", "low", "high", "third")}
    for item in items:
        bucket = sums[item["rate_vat"]]
        bucket[0] += dec(item["price"])
        bucket[1] += dec(item["price_vat"])
        bucket[2] += dec(item["price_sum"])
    home = nd(
        f"{prefix}:homeCurrency",
        tx("typ:priceNone", sums["none"][0]),
        tx("typ:priceLow", sums["low"][0]), tx("typ:priceLowVAT", sums["low"][1], {"rate": 12}),
        tx("typ:priceLowSum", sums["low"][2]),
        tx("typ:priceHigh", sums["high"][0]), tx("typ:priceHighVAT", sums["high"][1], {"rate": 21}),
        tx("typ:priceHighSum", sums["high"][2]),
        *((tx("typ:price3", sums["third"][0]), tx("typ:price3VAT", sums["third"][1]),
           tx("typ:price3Sum", sums["third"][2])) if any(sums["third"]) else ()),
        nd("typ:round", tx("typ:priceRound", ZERO)),
    )
    foreign = ""
    if doc["currency"]:
        foreign = nd(f"{prefix}:foreignCurrency", nd("typ:currency", tx("typ:ids", doc["currency"])),
                     tx("typ:rate", dec(doc["rate"])), tx("typ:amount", doc["amount"]),
                     tx("typ:priceSum", dec(doc["total_foreign"])))
    tag = "orderSummary" if prefix == "ord" else "invoiceSummary"
    return nd(f"{prefix}:{tag}", tx(f"{prefix}:roundingDocument", "none"), tx(f"{prefix}:roundingVAT", "none"),
              home, foreign)


def partner_xml(tag: str, doc: Any) -> str:
    """``partnerIdentity`` (typ:address: optional address book id + address)."""
    return nd(tag, tx("typ:id", doc["partner_id"]), address_fields_xml(json.loads(doc["partner"] or "{}")))


def details(ctx: ItemContext, prefix: str, agenda: str, doc: Any, restriction: etree._Element | None) -> tuple[str, str]:
    """(detail XML, summary XML) of a document."""
    items = items_of(ctx, agenda, doc["id"])
    tag = "orderDetail" if prefix == "ord" else "invoiceDetail"
    detail_xml = ""
    if items and restricted(restriction, "documents", True):
        detail_xml = nd(f"{prefix}:{tag}", *(item_xml(prefix, i) for i in items))
    return detail_xml, summary_xml(prefix, doc, items)


# --------------------------------------------------------------------------- received orders


def list_orders(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lst:listOrderRequest`` → ``lst:listOrder`` (issued orders: always empty here)."""
    ext_system = el.get("extSystem") or ""
    queries = doc_queries(el, "requestOrder", "order", "received_order")
    if el.get("orderType") != "receivedOrder":
        queries = []
    return stream(ctx, "lst:listOrder", queries, lambda row, r: order_xml(ctx, row, r, ext_system))


def order_xml(ctx: ItemContext, row: Any, restriction: etree._Element | None, ext_system: str) -> str:
    """One ``lst:order``."""
    delivered, carrier, params = order_state_xml(ctx.store, row)
    header = nd(
        "ord:orderHeader",
        tx("ord:id", row["id"]),
        ext_id_xml("ord:extId", row, ext_system),
        tx("ord:orderType", "receivedOrder"),
        nd("ord:number", tx("typ:numberRequested", row["number"])),
        tx("ord:numberOrder", row["number_order"]),
        tx("ord:date", row["date"]),
        tx("ord:text", row["text"]),
        partner_xml("ord:partnerIdentity", row),
        nd("ord:paymentType", tx("typ:ids", row["payment_type"])),
        tx("ord:isExecuted", bool(row["is_executed"])),
        delivered,
        tx("ord:isReserved", bool(row["is_reserved"])),
        tx("ord:note", row["note"]),
        carrier,
        tx("ord:intNote", row["int_note"]),
        params,
    )
    detail_xml, summary = details(ctx, "ord", "order", row, restriction)
    return nd("lst:order", header, detail_xml, summary, attrs={"version": "2.0"})


# --------------------------------------------------------------------------- issued invoices


def list_invoices(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lst:listInvoiceRequest`` → ``lst:listInvoice`` (only issued invoices exist here)."""
    if el.get("invoiceType") == "issuedCreditNotice":
        from adapter.emulators.mserver.credit_notes import (
            list_credit_notes,  # credit_notes imports this module
        )

        return list_credit_notes(ctx, el)
    ext_system = el.get("extSystem") or ""
    kind = {"issuedInvoice": "issuedInvoice", "issuedAdvanceInvoice": "issuedAdvanceInvoice"}.get(
        el.get("invoiceType") or "")  # advance invoices are listed apart, as in POHODA; other types: none here
    table = ("(SELECT i.*, COALESCE(k.kind, 'issuedInvoice') AS kind FROM issued_invoice i LEFT JOIN invoice_kind k"  # noqa: S608
             f" ON k.id = i.id WHERE COALESCE(k.kind, 'issuedInvoice') = '{kind}') AS issued_invoice")
    queries = doc_queries(el, "requestInvoice", "invoice", table) if kind else []
    return stream(ctx, "lst:listInvoice", queries, lambda row, r: invoice_xml(ctx, row, r, ext_system))


def liquidation_xml(row: Any) -> str:
    """``inv:liquidation`` as in the real 2025 sample: date of the last payment, amountHome left to pay (absent when 0)."""
    to_pay = dec(row["to_pay"])
    return nd("inv:liquidation", tx("typ:date", row["last_paid"] or None),
              tx("typ:amountHome", to_pay if to_pay != 0 else None))


def liquidations_xml(ctx: ItemContext, row: Any) -> str:
    """``inv:liquidations`` (full payment history, only with restrictionData/liquidations=true)."""
    payments = ctx.store.query("SELECT * FROM payment WHERE invoice_id = ? ORDER BY id", (row["id"],))
    return nd("inv:liquidations", *(
        nd("typ:liquidation", tx("typ:id", p["id"]), tx("typ:date", p["date"]), tx("typ:amount", dec(p["amount"])),
           tx("typ:foreignCurrencyAmount", ZERO), tx("typ:foreignCurrencySource", ZERO))
        for p in payments
    ))


def invoice_xml(ctx: ItemContext, row: Any, restriction: etree._Element | None, ext_system: str) -> str:
    """One ``lst:invoice`` with liquidation state."""
    header = nd(
        "inv:invoiceHeader",
        tx("inv:id", row["id"]),
        ext_id_xml("inv:extId", row, ext_system),
        tx("inv:invoiceType", row["kind"]),
        nd("inv:number", tx("typ:numberRequested", row["number"])),
        tx("inv:symVar", row["sym_var"]),
        tx("inv:date", row["date"]),
        tx("inv:dateTax", row["date_tax"]),
        tx("inv:dateDue", row["date_due"]),
        tx("inv:text", row["text"]),
        partner_xml("inv:partnerIdentity", row),
        tx("inv:numberOrder", row["number_order"]),
        tx("inv:dateOrder", row["date_order"]),
        nd("inv:paymentType", tx("typ:ids", row["payment_type"])),
        tx("inv:note", row["note"]),
        liquidation_xml(row),
    )
    detail_xml, summary = details(ctx, "inv", "invoice", row, restriction)
    linked = ""
    if row["order_id"] is not None:
        order = ctx.store.one("SELECT number FROM received_order WHERE id = ?", (row["order_id"],))
        linked = nd("inv:linkedDocuments", nd(
            "typ:link", tx("typ:sourceAgenda", "receivedOrder"),
            nd("typ:sourceDocument", tx("typ:id", row["order_id"]), tx("typ:number", order["number"] if order else None)),
        ))
    liquidations = liquidations_xml(ctx, row) if restricted(restriction, "liquidations", False) else ""
    return nd("lst:invoice", header, detail_xml, summary, linked, liquidations, attrs={"version": "2.0"})


def error_list(tag: str, ctx: ItemContext, note: str) -> str:
    """A list element in state error with one error detail (for refused list requests)."""
    return nd(tag, nd("rdc:importDetails", detail("error", note)),
              attrs={"version": "2.0", "dateTimeStamp": fmt(ctx.now), "dateValidFrom": fmt(ctx.now.date()),
                     "state": "error"})


LIST_TAGS = {
    "listStockRequest": "lStk:listStock", "listOrderRequest": "lst:listOrder", "listInvoiceRequest": "lst:listInvoice",
    "listAddressBookRequest": "lAdb:listAddressBook", "listPaymentRequest": "lst:listPayment",
    "listClassificationVATRequest": "lst:listClassificationVAT", "listStoreRequest": "lst:listStore",
}


def list_tag_for(request: etree._Element) -> str:
    """The answer element of a list request."""
    return LIST_TAGS[pretty_name(request.tag).split(":", 1)[1]]

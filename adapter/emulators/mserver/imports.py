"""Import (write) handlers of the mServer emulator: stock, orders, invoices, address book, receipts.

Each handler gets the item's agenda element and returns a :class:`Produced`
(or None when nothing was done, e.g. ``add update="false"`` matching an
existing record). Refusals raise :class:`ItemError`. The caller wraps every
item in its own savepoint, so a failing item leaves no trace and never
undoes earlier items.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from lxml import etree

from adapter.emulators.mserver import advances
from adapter.emulators.mserver.common import (
    ZERO,
    Currency,
    ItemContext,
    ItemError,
    Line,
    Produced,
    dec,
    default_date,
    move_stock,
    parse_address,
    parse_currency,
    parse_lines,
    parse_partner,
    partner_json,
    price_lines,
    resolve_number,
    safe,
    store_by_id,
    store_lines,
    totals,
)
from adapter.emulators.mserver.db import DEFAULT_STORE
from adapter.emulators.mserver.eu import load_vat, parse_vat, save_vat
from adapter.emulators.mserver.xml_io import Children, boolean, decimal, find, findall, text

# --------------------------------------------------------------------------- actionType


def parse_action(action: etree._Element | None, prefix: str) -> tuple[str, etree._Element | None, bool]:
    """(mode, add/update element, flag) of an ``actionType``; flag = ``update`` for add, ``add`` for update."""
    if action is None:
        return "add", None, False
    for mode, attribute in (("add", "update"), ("update", "add"), ("delete", "")):
        el = find(action, f"{prefix}:{mode}")
        if el is not None:
            return mode, el, boolean(el.get(attribute)) if attribute else False
    return "add", None, False


def single_match(rows: list[Any], what: str, element: etree._Element | None) -> Any | None:
    """The one row a filter matched, None for no match; several → item error."""
    if len(rows) > 1:
        raise ItemError(f"Filtr vybral {len(rows)} záznamů ({what}); upřesněte filtr.", element)
    return rows[0] if rows else None


def upsert(ctx: ItemContext, el: etree._Element, prefix: str, what: str,
           find_rows: Callable[[etree._Element | None], list[Any]], add: Callable[[], Produced],
           update: Callable[[Any], Produced]) -> Produced | None:
    """The add/update decision shared by stock and address book (see PROTOCOL §4.1)."""
    mode, request, flag = parse_action(find(el, f"{prefix}:actionType"), prefix)
    if mode == "delete":
        raise ItemError(f"Odstranění záznamu ({what}) emulátor nepodporuje.", request)
    filter_el = find(request, "ftr:filter")
    if mode == "update" and filter_el is None:
        raise ItemError("Aktualizace vyžaduje filtr (ftr:filter).", request)
    match = single_match(find_rows(filter_el), what, filter_el) if filter_el is not None else None
    if mode == "add":
        if match is None:
            return add()
        if not flag:
            ctx.warn(f"Záznam ({what}) podle filtru již existuje; import byl vynechán (update=\"false\").", request)
            return None
        return update(match)
    if match is None:
        if flag:
            return add()
        raise ItemError(f"Záznam ({what}) odpovídající filtru nebyl nalezen; nic nebylo provedeno.", filter_el)
    return update(match)


# --------------------------------------------------------------------------- stock

_EXPORT_ONLY_STOCK = ("id", "count", "countIssue", "countReceivedOrders", "reservation", "countIssuedOrders",
                      "reclamation", "service", "weightedPurchasePrice", "fixation")


def stock_filter_sql(filter_el: etree._Element | None) -> tuple[list[str], list[Any]]:
    """SQL conditions of a ``ftr:filterStocksType`` (shared by imports and lists)."""
    where: list[str] = []
    params: list[Any] = []
    if filter_el is None:
        return where, params
    simple = {"id": "id = ?", "code": "code = ?", "EAN": "ean = ?", "name": "cf(name) LIKE ?"}
    for name, clause in simple.items():
        value = text(filter_el, f"ftr:{name}")
        if value is not None:
            where.append(clause)
            params.append(f"%{value.casefold()}%" if name == "name" else (int(value) if name == "id" else value))
    if find(filter_el, "ftr:PLU") is not None:
        where.append("0 = 1")  # the emulator keeps no PLU codes
    ext = find(filter_el, "ftr:extId")
    if ext is not None:
        where.append("ext_ids = ? AND ext_system = ?")
        params += [text(ext, "typ:ids") or "", text(ext, "typ:exSystemName") or ""]
    storage = text(filter_el, "ftr:storage/typ:ids")
    if storage is not None:
        where.append("instr(cf(storage), ?) = 1")
        params.append(storage.casefold())
    store_el = find(filter_el, "ftr:store")
    if store_el is not None:
        raw_id = text(store_el, "typ:id")
        where.append("store = ?")
        params.append(store_by_id(int(raw_id)) if raw_id else (text(store_el, "typ:ids") or ""))
    internet = text(filter_el, "ftr:internet")
    if internet is not None:
        where.append("is_internet = ?")
        params.append(int(boolean(internet)))
    return where, params


def find_stock_rows(ctx: ItemContext, filter_el: etree._Element | None) -> list[Any]:
    """Stock rows matching an action filter."""
    where, params = stock_filter_sql(filter_el)
    if not where:
        return []
    return ctx.store.query(f"SELECT * FROM stock WHERE {' AND '.join(where)} ORDER BY id", params)  # noqa: S608


def stock_columns(ctx: ItemContext, header: etree._Element) -> dict[str, Any]:
    """Columns set by a ``stk:stockHeader`` (only the elements present)."""
    cols: dict[str, Any] = {}
    for el_name, col in (("code", "code"), ("EAN", "ean"), ("name", "name"), ("unit", "unit"),
                         ("description", "description"), ("note", "note"), ("stockType", "stock_type"),
                         ("sellingRateVAT", "vat_rate")):
        value = text(header, f"stk:{el_name}")
        if value is not None:
            cols[col] = safe(value)
    for el_name, col in (("storage", "storage"), ("typePrice", "type_price")):
        value = text(header, f"stk:{el_name}/typ:ids")
        if value is not None:
            cols[col] = safe(value)
    for el_name, col in (("isInternet", "is_internet"), ("isSales", "is_sales")):
        value = text(header, f"stk:{el_name}")
        if value is not None:
            cols[col] = int(boolean(value))
    price = find(header, "stk:sellingPrice")
    if price is not None:
        cols["price"] = str(decimal(price) or ZERO)
        cols["price_vat"] = int(boolean(price.get("payVAT")))
    ext = find(header, "stk:extId")
    if ext is not None:
        cols["ext_ids"], cols["ext_system"] = safe(text(ext, "typ:ids")), safe(text(ext, "typ:exSystemName"))
    for name in _EXPORT_ONLY_STOCK:
        el = find(header, f"stk:{name}")
        if el is not None:
            ctx.warn(f"Element stk:{name} je jen pro export; při importu byl ignorován.", el,
                     requested=text(el))
    return cols


def add_stock(ctx: ItemContext, el: etree._Element, header: etree._Element | None) -> Produced:
    """Create a stock card in the default warehouse (the stock schema has no warehouse element)."""
    if header is None:
        raise ItemError("Chybí stk:stockHeader.", el)
    cols = stock_columns(ctx, header)
    required = {"stock_type": "stockType", "code": "code", "name": "name", "storage": "storage",
                "type_price": "typePrice"}
    missing = [f"stk:{name}" for col, name in required.items() if not cols.get(col)]
    if missing:
        raise ItemError(f"Při vytvoření zásoby chybí povinné elementy: {', '.join(missing)}.", header)
    if ctx.store.one("SELECT 1 FROM stock WHERE code = ? AND store = ?", (cols["code"], DEFAULT_STORE)):
        raise ItemError(f"Zásoba s kódem '{cols['code']}' již ve skladu '{DEFAULT_STORE}' existuje.",
                        find(header, "stk:code"), requested=cols["code"])
    cols.setdefault("price", "0")
    row_id = ctx.store.insert("stock", store=DEFAULT_STORE, changed=ctx.store.stamp(), **cols)
    save_price_levels(ctx, el, row_id)
    return Produced(row_id, code=cols["code"], action="add", ext_id=cols.get("ext_ids", ""))


def update_stock(ctx: ItemContext, el: etree._Element, header: etree._Element | None, row: Any) -> Produced:
    """Update an existing card; stockType cannot change; a missing sellingPrice means zero (schema text)."""
    cols = stock_columns(ctx, header) if header is not None else {}
    if "stock_type" in cols and cols["stock_type"] != row["stock_type"]:
        raise ItemError("Typ zásoby (stockType) nelze při aktualizaci změnit.", find(header, "stk:stockType"),
                        requested=cols["stock_type"])
    if "code" in cols and cols["code"] != row["code"]:
        clash = ctx.store.one("SELECT 1 FROM stock WHERE code = ? AND store = ? AND id <> ?",
                              (cols["code"], row["store"], row["id"]))
        if clash:
            raise ItemError(f"Zásoba s kódem '{cols['code']}' již existuje.", find(header, "stk:code"))
    if "price" not in cols:
        cols["price"], cols["price_vat"] = "0", 0
        ctx.warn("Prodejní cena nebyla uvedena; podle schématu se bere jako nulová.", header)
    ctx.store.update("stock", row["id"], changed=ctx.store.stamp(), **cols)
    save_price_levels(ctx, el, row["id"])
    return Produced(int(row["id"]), code=cols.get("code", row["code"]), action="update",
                    ext_id=cols.get("ext_ids", row["ext_ids"]))


def save_price_levels(ctx: ItemContext, el: etree._Element, row_id: int) -> None:
    """Store ``stk:stockPriceItem/stk:stockPrice`` levels (by ids)."""
    for price in findall(el, "stk:stockPriceItem/stk:stockPrice"):
        name = text(price, "typ:ids")
        if not name:
            raise ItemError("Cenová hladina musí být určena názvem (typ:ids).", price)
        ctx.store.query(
            "INSERT INTO price_level (stock_id, name, price) VALUES (?, ?, ?) "
            "ON CONFLICT(stock_id, name) DO UPDATE SET price = excluded.price",
            (row_id, safe(name), str(decimal(price, "typ:price") or ZERO)),
        )


def import_stock(ctx: ItemContext, el: etree._Element) -> Produced | None:
    """``stk:stock``: add / add with filter (update=true|false) / update (add=true|false)."""
    header = find(el, "stk:stockHeader")
    return upsert(
        ctx, el, "stk", "zásoba",
        lambda f: find_stock_rows(ctx, f),
        lambda: add_stock(ctx, el, header),
        lambda row: update_stock(ctx, el, header, row),
    )


# --------------------------------------------------------------------------- address book


def address_filter_sql(filter_el: etree._Element | None) -> tuple[list[str], list[Any]]:
    """SQL conditions of a ``ftr:filterAdbsType``."""
    where: list[str] = []
    params: list[Any] = []
    if filter_el is None:
        return where, params
    for name in ("company", "name", "city", "street", "zip", "ico", "dic"):
        value = text(filter_el, f"ftr:{name}")
        if value is not None:
            where.append(f"{name} = ?")
            params.append(value)
    raw_id = text(filter_el, "ftr:id")
    if raw_id is not None:
        where.append("id = ?")
        params.append(int(raw_id))
    ext = find(filter_el, "ftr:extId")
    if ext is not None:
        where.append("ext_ids = ? AND ext_system = ?")
        params += [text(ext, "typ:ids") or "", text(ext, "typ:exSystemName") or ""]
    return where, params


def address_columns(header: etree._Element | None) -> dict[str, Any]:
    """Columns set by an ``adb:addressbookHeader``."""
    identity = find(header, "adb:identity")
    cols: dict[str, Any] = dict(parse_address(find(identity, "typ:address")))
    for el_name, col in (("email", "email"), ("phone", "phone"), ("mobil", "mobil"), ("note", "note")):
        value = text(header, f"adb:{el_name}")
        if value is not None:
            cols[col] = safe(value)
    ext = find(identity, "typ:extId")
    if ext is not None:
        cols["ext_ids"], cols["ext_system"] = safe(text(ext, "typ:ids")), safe(text(ext, "typ:exSystemName"))
    return cols


def import_address(ctx: ItemContext, el: etree._Element) -> Produced | None:
    """``adb:addressbook``: add / upsert by filter (ico, extId, id, …) / update."""
    header = find(el, "adb:addressbookHeader")

    def rows(filter_el: etree._Element | None) -> list[Any]:
        where, params = address_filter_sql(filter_el)
        if not where:
            return []
        return ctx.store.query(f"SELECT * FROM address WHERE {' AND '.join(where)} ORDER BY id", params)  # noqa: S608

    def add() -> Produced:
        if header is None:
            raise ItemError("Chybí adb:addressbookHeader.", el)
        cols = address_columns(header)
        row_id = ctx.store.insert("address", changed=ctx.store.stamp(), **cols)
        return Produced(row_id, code=cols.get("company") or cols.get("name", ""), action="add",
                        ext_id=cols.get("ext_ids", ""))

    def update(row: Any) -> Produced:
        cols = address_columns(header)
        ctx.store.update("address", row["id"], changed=ctx.store.stamp(), **cols)
        name = cols.get("company") or row["company"] or cols.get("name") or row["name"]
        return Produced(int(row["id"]), code=name, action="update", ext_id=cols.get("ext_ids", row["ext_ids"]))

    return upsert(ctx, el, "adb", "adresa", rows, add, update)


# --------------------------------------------------------------------------- received orders


def import_order(ctx: ItemContext, el: etree._Element) -> Produced:
    """``ord:order`` (received orders only; add only). ``isReserved`` raises stock reservations."""
    kids = Children(el)
    mode, request, _ = parse_action(kids.find("ord:actionType"), "ord")
    if mode != "add":
        raise ItemError("Emulátor u objednávek podporuje jen přidání (add).", request)
    if kids.find("ord:links") is not None:
        raise ItemError("Vytvoření objednávky z jiného dokladu (ord:links) emulátor nepodporuje.", kids.find("ord:links"))
    header = kids.find("ord:orderHeader")
    if header is None:
        raise ItemError("Chybí ord:orderHeader.", el)
    head = Children(header)
    order_type = head.text("ord:orderType")
    if order_type != "receivedOrder":
        raise ItemError(f"Typ objednávky '{order_type or ''}' není podporován; jen receivedOrder.",
                        head.find("ord:orderType") if order_type else header)
    identity = head.find("ord:partnerIdentity")
    if identity is None:
        raise ItemError("Při vytvoření objednávky je povinný element ord:partnerIdentity.", header)
    partner_id, partner = parse_partner(ctx, identity)
    currency, vat = parse_currency(kids.find("ord:orderSummary"), "ord"), parse_vat(ctx, header, "ord")
    lines = parse_lines(ctx, kids.find("ord:orderDetail"), "ord:orderItem", "ord", currency, vat.percents)
    number = resolve_number(ctx, header, "ord:number", "received_order", f"{ctx.year_prefix}OP")
    total, total_foreign = totals(lines)
    is_reserved = boolean(head.text("ord:isReserved"))
    stamp = ctx.store.stamp()
    ext = head.find("ord:extId")
    order_id = ctx.store.insert(
        "received_order", number=number, number_order=safe(head.text("ord:numberOrder")),
        date=default_date(head.text("ord:date"), ctx.now.date()), text=safe(head.text("ord:text")),
        partner_id=partner_id, partner=partner_json(partner),
        payment_type=safe(head.text("ord:paymentType/typ:ids") or head.text("ord:paymentType/typ:paymentType")),
        is_reserved=int(is_reserved), currency=currency.code if currency.foreign else "",
        rate=str(currency.rate) if currency.foreign else "", amount=currency.amount, total=str(total),
        total_foreign="" if total_foreign is None else str(total_foreign),
        ext_ids=safe(text(ext, "typ:ids")), ext_system=safe(text(ext, "typ:exSystemName")),
        note=safe(head.text("ord:note")), int_note=safe(head.text("ord:intNote")),
        created=stamp, changed=stamp,
    )
    store_lines(ctx, "order", order_id, lines)
    save_vat(ctx, "order", order_id, vat, lines)
    if is_reserved:
        for line in lines:
            if line.stock_id is not None:
                move_stock(ctx, line.stock_id, reservation=line.quantity)
    return Produced(order_id, number=number, action="add")


# --------------------------------------------------------------------------- issued invoices


def linked_order(ctx: ItemContext, links: etree._Element | None) -> Any | None:
    """The received order an ``inv:links/typ:link`` transfers from (None without links)."""
    if links is None:
        return None
    manual = find(links, "typ:manualLink")
    if manual is not None:
        raise ItemError("Ruční vazba (typ:manualLink) na vydanou fakturu z objednávky není povolena.", manual)
    link_list = findall(links, "typ:link")
    if len(link_list) > 1:
        raise ItemError("Emulátor podporuje vytvoření faktury jen z jednoho dokladu.", links)
    link = link_list[0]
    agenda = text(link, "typ:sourceAgenda")
    if agenda != "receivedOrder":
        raise ItemError(f"Vazba z agendy '{agenda}' do vydaných faktur není podporována.",
                        find(link, "typ:sourceAgenda"), requested=agenda)
    source = find(link, "typ:sourceDocument")
    raw_id, number = text(source, "typ:id"), text(source, "typ:number")
    ext_ids = text(source, "typ:extId/typ:ids")
    if raw_id:
        row = ctx.store.one("SELECT * FROM received_order WHERE id = ?", (int(raw_id),))
    elif number:
        row = ctx.store.one("SELECT * FROM received_order WHERE number = ?", (number,))
    elif ext_ids:
        row = ctx.store.one("SELECT * FROM received_order WHERE ext_ids = ? AND ext_system = ?",
                            (ext_ids, text(source, "typ:extId/typ:exSystemName") or ""))
    else:
        raise ItemError("Zdrojový doklad vazby není určen.", source)
    if row is None:
        label = f"ID {raw_id}" if raw_id else f"číslem '{number or ext_ids}'"
        raise ItemError(f"Přijatá objednávka s {label} neexistuje.", source, requested=raw_id or number or ext_ids)
    if row["is_executed"]:
        raise ItemError(f"Přijatá objednávka '{row['number']}' je již vyřízena (převzata do faktury).", source)
    return row


def order_lines(ctx: ItemContext, order: Any, currency: Currency, percents: Any = None) -> list[Line]:
    """The lines of a received order copied for an invoice."""
    lines = []
    for item in ctx.store.query("SELECT * FROM doc_item WHERE agenda = 'order' AND doc_id = ? ORDER BY pos",
                                (order["id"],)):
        line = Line(text=item["text"], quantity=dec(item["quantity"]), unit=item["unit"],
                    pay_vat=bool(item["pay_vat"]), rate_vat=item["rate_vat"], discount=dec(item["discount"]),
                    unit_price=dec(item["unit_price"]),
                    f_unit_price=dec(item["f_unit_price"]) if item["f_unit_price"] else None,
                    stock_id=item["stock_id"], code=item["code"], store=item["store"], note=item["note"],
                    source_item_id=item["id"])
        price_lines(line, currency, percents)
        lines.append(line)
    return lines


def order_currency(order: Any) -> Currency:
    """The currency a received order was written in."""
    if not order["currency"]:
        return Currency()
    return Currency(order["currency"], dec(order["rate"]), int(order["amount"]))


def import_invoice(ctx: ItemContext, el: etree._Element) -> Produced:
    """``inv:invoice`` (issued invoices, create only): stand-alone or transferred from a received order."""
    for unsupported in ("inv:cancelDocument", "inv:correctiveDocument"):
        if find(el, unsupported) is not None:
            raise ItemError(f"Element {unsupported} emulátor nepodporuje.", find(el, unsupported))
    header = find(el, "inv:invoiceHeader")
    if header is None:
        raise ItemError("Chybí inv:invoiceHeader.", el)
    invoice_type = advances.check_type(text(header, "inv:invoiceType"), header)
    order = linked_order(ctx, find(el, "inv:links"))
    currency = order_currency(order) if order is not None else parse_currency(find(el, "inv:invoiceSummary"), "inv")
    vat = parse_vat(ctx, header, "inv", load_vat(ctx, "order", order["id"]) if order is not None else None)
    lines = order_lines(ctx, order, currency, vat.percents) if order is not None else []
    lines += parse_lines(ctx, find(el, "inv:invoiceDetail"), "inv:invoiceItem", "inv", currency, vat.percents)
    deductions, used = advances.parse_deductions(ctx, find(el, "inv:invoiceDetail"), currency, vat)
    lines += deductions
    partner_id, partner = parse_partner(ctx, find(header, "inv:partnerIdentity"))
    if order is not None and not partner:
        partner_id, partner = order["partner_id"], json.loads(order["partner"])
    series = "ZF" if invoice_type == "issuedAdvanceInvoice" else "FV"
    number = resolve_number(ctx, header, "inv:number", "issued_invoice", f"{ctx.year_prefix}{series}")
    total, total_foreign = totals(lines)
    doc_date = default_date(text(header, "inv:date"), ctx.now.date())
    stamp = ctx.store.stamp()
    ext = find(header, "inv:extId")
    invoice_id = ctx.store.insert(
        "issued_invoice", number=number, sym_var=text(header, "inv:symVar") or "".join(c for c in number if c.isdigit()),
        date=doc_date, date_tax=default_date(text(header, "inv:dateTax"), date.fromisoformat(doc_date)),
        date_due=default_date(text(header, "inv:dateDue"), date.fromisoformat(doc_date) + timedelta(days=14)),
        date_order=text(header, "inv:dateOrder") or "", number_order=safe(text(header, "inv:numberOrder")),
        text=safe(text(header, "inv:text")), partner_id=partner_id, partner=partner_json(partner),
        payment_type=safe(text(header, "inv:paymentType/typ:ids") or text(header, "inv:paymentType/typ:paymentType")),
        currency=currency.code if currency.foreign else "", rate=str(currency.rate) if currency.foreign else "",
        amount=currency.amount, total=str(total), total_foreign="" if total_foreign is None else str(total_foreign),
        to_pay=str(total), order_id=order["id"] if order is not None else None,
        ext_ids=safe(text(ext, "typ:ids")), ext_system=safe(text(ext, "typ:exSystemName")),
        note=safe(text(header, "inv:note")), created=stamp, changed=stamp,
    )
    store_lines(ctx, "invoice", invoice_id, lines)
    save_vat(ctx, "invoice", invoice_id, vat, lines)
    advances.record(ctx, invoice_id, invoice_type, used)
    issue_stock(ctx, lines, order)
    if order is not None:
        ctx.store.update("received_order", order["id"], is_executed=1, changed=ctx.store.stamp())
    return Produced(invoice_id, number=number, action="add")


def issue_stock(ctx: ItemContext, lines: list[Line], order: Any | None) -> None:
    """Lower ``count`` for stock lines; release the order's reservation for lines taken from it."""
    reserved = order is not None and bool(order["is_reserved"])
    for line in lines:
        if line.stock_id is None:
            continue
        release = -line.quantity if reserved and line.source_item_id is not None else ZERO
        move_stock(ctx, line.stock_id, count=-line.quantity, reservation=release)


# --------------------------------------------------------------------------- receipts


def import_receipt(ctx: ItemContext, el: etree._Element) -> Produced:
    """``pri:prijemka``: a stock receipt raising ``count`` per stock line and warehouse."""
    if find(el, "pri:links") is not None:
        raise ItemError("Vytvoření příjemky z jiného dokladu emulátor nepodporuje.", find(el, "pri:links"))
    header = find(el, "pri:prijemkaHeader")
    if header is None:
        raise ItemError("Chybí pri:prijemkaHeader.", el)
    currency = parse_currency(find(el, "pri:prijemkaSummary"), "pri")
    lines = parse_lines(ctx, find(el, "pri:prijemkaDetail"), "pri:prijemkaItem", "pri", currency)
    number = resolve_number(ctx, header, "pri:number", "receipt", f"{ctx.year_prefix}PR")
    total, _ = totals(lines)
    stamp = ctx.store.stamp()
    receipt_id = ctx.store.insert("receipt", number=number, date=default_date(text(header, "pri:date"), ctx.now.date()),
                                  text=safe(text(header, "pri:text")), total=str(total), created=stamp, changed=stamp)
    store_lines(ctx, "receipt", receipt_id, lines)
    for line in lines:
        if line.stock_id is not None:
            move_stock(ctx, line.stock_id, count=line.quantity)
    return Produced(receipt_id, number=number, action="add")


"""Client ↔ mServer emulator over a real socket: stock upsert and list, order import, duplicity, faults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapter.errors import IcoMismatch, MServerAuthError, MServerBusy, MServerHtmlAnswer, PackError
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import invoice_item, list_invoices_request, parse_list_invoices
from adapter.pohoda.orders import list_orders_request, order_item, parse_list_orders
from adapter.pohoda.stock import iter_stock, list_stock_request, parse_list_stock, stock_item
from adapter.records import Address, DocLine, InvoiceDoc, OrderDoc, StockCardDoc

PARTNER = Address(company="Příkladná s.r.o.", name="Jan Novák", street="Údolní 1", city="Brno", zip="602 00",
                  ico="87654321", email="jan@example.cz")


def connect(emu, **kw) -> MServerClient:
    kw.setdefault("sleep", lambda s: None)
    return MServerClient(emu.url, "admin", "heslo", "12345678", **kw)


def pack(*items, pack_id: str = "t"):
    return build_pack(list(items), ico="12345678", pack_id=pack_id)


def test_status(mserver) -> None:
    with connect(mserver) as c:
        status = c.status(company_detail=True)
    assert status.status == "idle"
    assert status.ico == "12345678"
    assert status.company == "Novák s.r.o."


def test_stock_upsert_then_list(mserver) -> None:
    cards = [StockCardDoc(code="RT-001", name="Hrnek 😀 modrý", selling_price=Decimal("149"), ean="8590000000017",
                          storage="Zboží/Kuchyně"),
             StockCardDoc(code="RT-002", name="Konvice", selling_price=Decimal("899.90"), vat_rate="low",
                          storage="Zboží/Kuchyně")]
    with connect(mserver) as c:
        result = c.send(pack(*(stock_item(card, type_price="SK") for card in cards), pack_id="stk-run-1"),
                        instance="run-1")
        assert [i.item_id for i in result.items] == ["stk-RT-001", "stk-RT-002"]
        assert all(i.ok for i in result.items), result
        assert [i.produced.action_type for i in result.items if i.produced] == ["add", "add"]
        update = c.send(pack(stock_item(StockCardDoc(code="RT-001", name="Hrnek modrý", selling_price=Decimal(159))),
                             pack_id="stk-run-2"))
        assert update.items[0].produced is not None
        assert update.items[0].produced.action_type == "update"
        listed = parse_list_stock(c.post(pack(list_stock_request(code="RT-001")).xml))
        streamed = list(iter_stock(c.post(pack(list_stock_request()).xml)))
    (card,) = listed.records
    assert (card.code, card.name, card.selling_price, card.ean) == ("RT-001", "Hrnek modrý", Decimal(159),
                                                                      "8590000000017")
    codes = {c.code for c in streamed}
    assert {"RT-001", "RT-002"} <= codes
    assert len(streamed) >= 52  # 50 seeded + ours
    emu_codes = {c.code for c in mserver.stock_cards()}
    assert {"RT-001", "RT-002"} <= emu_codes


def test_order_import_and_duplicity(mserver) -> None:
    card = mserver.stock_cards()[0]
    doc = OrderDoc(key="woo-9001", number_order="9001", date=date(2026, 3, 1), partner=PARTNER,
                   lines=(DocLine("Zboží", Decimal(1), Decimal(100), stock_code=card.code, store=card.store),
                          DocLine("Doprava", Decimal(1), Decimal(99))),
                   is_reserved=True, ext_id="9001", ext_system="WooCommerce")
    with connect(mserver) as c:
        first = c.send(pack(order_item(doc), pack_id="ord-9001"), write=True)
        (item,) = first.items
        assert item.state == "ok", item
        assert item.produced is not None
        assert item.produced.number
        again = c.send(pack(order_item(doc), pack_id="ord-9001"), write=True)
        (dup,) = again.items
        assert dup.is_duplicate
        assert dup.ok
        assert dup.duplicities[0].number == item.produced.number
        orders = parse_list_orders(c.post(pack(list_orders_request(numbers=(item.produced.number,))).xml))
    assert [o.number_order for o in orders.records] == ["9001"]
    assert len(mserver.received_orders()) == 1


def test_invoice_from_order_and_payment_state(mserver) -> None:
    card = mserver.stock_cards()[0]
    order = OrderDoc(key="woo-9002", number_order="9002", date=date(2026, 3, 1), partner=PARTNER,
                     lines=(DocLine("Zboží", Decimal(2), Decimal(100), stock_code=card.code, store=card.store),))
    with connect(mserver) as c:
        produced = c.send(pack(order_item(order))).items[0].produced
        assert produced is not None
        invoice = InvoiceDoc(key="woo-9002", date=date(2026, 3, 2), partner=PARTNER, number_order="9002",
                             link_order_number=produced.number, symbol_variable="9002")
        inv = c.send(pack(invoice_item(invoice))).items[0]
        assert inv.state == "ok", inv
        assert inv.produced is not None
        mserver.mark_paid(inv.produced.number, Decimal(50), date(2026, 3, 10))
        listed = parse_list_invoices(c.post(pack(list_invoices_request(numbers=(inv.produced.number,))).xml))
    (found,) = listed.records
    assert found.number_order == "9002"
    assert found.total == Decimal(200)
    assert (found.to_pay, found.paid_date) == (found.total - 50, date(2026, 3, 10))


def test_wrong_ico_and_pack_error(mserver_factory) -> None:
    emu = mserver_factory(ico="87654321")
    with connect(emu) as c, pytest.raises((PackError, IcoMismatch)):
        c.send(pack(stock_item(StockCardDoc(code="A", name="A"))))
    emu.set_faults(pack_error="Databáze je zamčená.")
    with MServerClient(emu.url, "admin", "heslo", "87654321") as c, pytest.raises(PackError, match="zamčená"):
        c.send(build_pack([stock_item(StockCardDoc(code="A", name="A"))], ico="87654321", pack_id="t"))


def test_faults_map_to_errors(mserver) -> None:
    sleeps: list[float] = []
    mserver.set_faults(busy=2)
    with connect(mserver, sleep=sleeps.append) as c:
        assert c.send(pack(list_stock_request(code="X"))).items[0].item_id == "lstk-code=X" == list_stock_request(code="X").id
    assert sleeps == [1.0, 2.0]
    mserver.set_faults(busy=True)
    with connect(mserver, retries=1) as c, pytest.raises(MServerBusy):
        c.post(pack(list_stock_request()).xml)
    mserver.clear_faults()
    mserver.set_faults(html_login=True)
    with connect(mserver) as c, pytest.raises(MServerHtmlAnswer):
        c.post(pack(list_stock_request()).xml)
    mserver.clear_faults()
    with MServerClient(mserver.url, "admin", "špatně", "12345678") as c, pytest.raises(MServerAuthError):
        c.post(pack(list_stock_request()).xml)

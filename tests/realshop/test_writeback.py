"""The real WordPress + WooCommerce shop: POHODA's order state, invoice number, tracking note and the
invoice PDF e-mail reach real shop orders, once (fixture API of ``tests/realshop``: ``fresh_shop``).

Orders are made in the shop with PHP (a fee line, so no catalogue is needed) and in the mServer
emulator with the adapter's own builder; the orders ledger links them as a transfer would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tests.realshop.shop", reason="the real-shop fixture package tests/realshop is not here")

from adapter import ledger
from adapter.config import (
    DocumentsSettings,
    EshopSettings,
    OrdersSettings,
    PohodaSettings,
    Settings,
    StatesSettings,
)
from adapter.emulators.mserver import MServerEmulator
from adapter.mail import MailSettings
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.orders import order_item
from adapter.records import Address, DocLine, OrderDoc
from adapter.sync.connections import default_connections
from adapter.sync.runner import JobRunner
from tests.fixtures_mail import SmtpServer

ICO = "12345678"


def shop_order(shop: Any, n: int) -> int:
    """A processing order with one fee line and a customer e-mail, made in the real shop."""
    return int(shop.php(
        "$o = wc_create_order( array( 'status' => 'processing' ) );"
        f"$o->set_billing_first_name( 'Eva' ); $o->set_billing_last_name( 'Nová {n}' );"
        f"$o->set_billing_email( 'r{n}@example.cz' );"
        "$f = new WC_Order_Item_Fee(); $f->set_name( 'Služba' ); $f->set_total( '100' ); $o->add_item( $f );"
        "$o->calculate_totals( false ); $o->save(); echo $o->get_id();").strip())


def shop_facts(shop: Any, order_id: int) -> dict[str, Any]:
    """Status, the three meta keys and the POHODA notes of a real shop order."""
    raw = shop.php(
        f"$o = wc_get_order( {order_id} ); $notes = array();"
        f"foreach ( wc_get_order_notes( array( 'order_id' => {order_id} ) ) as $n ) {{ $notes[] = $n->content; }}"
        "echo wp_json_encode( array( 'status' => $o->get_status(), 'notes' => $notes,"
        " 'state' => $o->get_meta( '_pohoda_state' ), 'invoice' => $o->get_meta( '_pohoda_invoice_number' ),"
        " 'tracking' => $o->get_meta( '_pohoda_tracking_number' ) ) );")
    facts: dict[str, Any] = json.loads(raw)
    facts["pohoda_notes"] = [n for n in facts["notes"] if n.startswith("POHODA:")]
    return facts


def pohoda_order(ms: MServerEmulator, key: str) -> tuple[int, str]:
    doc = OrderDoc(key=key, date=date(2026, 3, 1), partner=Address(name="Eva Nová"), number_order=key,
                   lines=(DocLine(text="Služba", quantity=Decimal(1), unit_price=Decimal(100), vat_rate="high"),))
    with MServerClient(ms.url, "admin", "heslo", ICO, sleep=lambda s: None) as client:
        result = client.send(build_pack([order_item(doc)], ico=ICO, pack_id=f"rs-{key}"))
    produced = result.items[0].produced
    assert produced is not None and produced.id is not None
    return produced.id, produced.number


def test_states_and_invoice_pdfs_on_the_real_shop(fresh_shop: Any, mserver_factory: Callable[..., MServerEmulator],
                                                 smtp_server: SmtpServer, tmp_path: Path) -> None:
    ms = mserver_factory()
    data = tmp_path / "adapter"
    data.mkdir()
    ledger.init_db(data / "ledger.db")
    settings = Settings(
        data_dir=data,
        pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico=ICO),
        eshop=EshopSettings(url=fresh_shop.site_url, consumer_key=fresh_shop.ck, consumer_secret=fresh_shop.cs),
        orders=OrdersSettings(transfer_statuses=("processing",)),
        states=StatesSettings(enabled=True, status_map={"executed": "completed"}, tracking_field="param:Zasilka",
                              tracking_url={"*": "https://sledovani.example/{number}"}),
        documents=DocumentsSettings(enabled=True, report=1),
        mail=MailSettings(host=smtp_server.host, port=smtp_server.port, security="none", sender="f@obchod.cz"))
    ids = [shop_order(fresh_shop, n) for n in range(3)]
    numbers = {}
    for order_id in ids:
        pohoda_id, number = pohoda_order(ms, str(order_id))
        numbers[order_id] = number
        ledger.save_entry("orders", str(order_id), state="ok", label=f"Objednávka {order_id}", shop_id=str(order_id),
                          pohoda_id=pohoda_id, pohoda_number=number)
    invoice = ms.invoice_order(numbers[ids[0]])["number"]
    ms.set_order_state(numbers[ids[1]], executed=True, fields={"param:Zasilka": "Z77"})
    runner = JobRunner(lambda: settings, default_connections())
    states, _ = runner.run_inline("states", "cli")
    assert (states.ok_count, states.error_count) == (2, 0), states.message
    documents, _ = runner.run_inline("documents", "cli")
    assert (documents.ok_count, documents.error_count) == (1, 0), documents.message
    first, second, third = (shop_facts(fresh_shop, i) for i in ids)
    assert (first["status"], first["state"], first["invoice"]) == ("completed", "executed", invoice)
    assert len(first["pohoda_notes"]) == 1
    assert any(f"Faktura {invoice} odeslána zákazníkovi" in n for n in first["notes"])
    assert (second["status"], second["tracking"]) == ("completed", "Z77")
    assert "https://sledovani.example/Z77" in second["pohoda_notes"][0]
    assert (third["status"], third["state"], third["pohoda_notes"]) == ("processing", "", [])
    (message,) = smtp_server.messages
    assert str(message["To"]) == "r0@example.cz" and invoice in str(message["Subject"])
    # once: nothing more on the next runs
    assert runner.run_inline("states", "cli")[0].ok_count == 0
    assert runner.run_inline("documents", "cli")[0].ok_count == 0
    assert len(shop_facts(fresh_shop, ids[0])["pohoda_notes"]) == 1 and len(smtp_server.messages) == 1
    ledger.database.close()

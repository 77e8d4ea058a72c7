"""Mapping screens' data against both emulators over real sockets: the shop's typed set-up reads,
POHODA's listed values, suggestions, saving, plugin statuses as *nová hodnota* from the orders run,
and the VAT classification reaching a domestic invoice in POHODA."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from adapter import ledger
from adapter.config import InvoicesSettings
from adapter.eshop.base import Eshop
from adapter.ledger.alerts import UnmappedValue
from adapter.mappings import pohoda_values
from adapter.mappings.settings import MappingsSettings
from adapter.mappings.statuses import known_statuses, unknown_status
from adapter.mappings.values import build_screen, changes_from_form, suggest
from adapter.mappings.vat import domestic_vat
from adapter.pohoda.lists_values import PohodaValues
from adapter.sync.connections import default_connections
from tests.fixtures_systems import SyncEnv, Systems


class Env(SyncEnv):
    """Both emulators and the settings, with the mapping screens built as the web app builds them."""

    def __init__(self, systems: Systems) -> None:
        super().__init__(systems, "Příkazem")

    def shop(self) -> Eshop:
        return default_connections().eshop(self.settings)

    def pohoda(self) -> PohodaValues:
        stored = pohoda_values.refresh(self.settings, default_connections(), self.data_dir, datetime.now(UTC))
        return stored.values

    def screen(self, kind: str, pohoda: PohodaValues | None = None) -> Any:
        shop = self.shop()
        try:
            with ledger.database.connection_context():
                return build_screen(kind, self.settings, shop, pohoda)
        finally:
            shop.close()


@pytest.fixture
def env(systems: Systems) -> Env:
    return Env(systems)


def test_payment_screen_offers_what_pohoda_lists_with_suggestions(env: Env) -> None:
    env.settings = replace(env.settings, orders=replace(env.settings.orders, payment_map={
        "bacs": "Příkazem", "old": "Kartou GP"}))
    before = env.screen("payment")
    assert not before.from_pohoda and ("Složenkou", "Složenkou") in before.pohoda_values  # predefined ones
    screen = env.screen("payment", env.pohoda())
    assert screen.from_pohoda and ("Stravenkou", "Stravenkou") in screen.pohoda_values
    assert ("Kartou GP", "Kartou GP (v POHODĚ nenalezena)") in screen.pohoda_values
    rows = {r.value: r for r in screen.rows}
    assert set(rows) == {"bacs", "cod", "gopay", "cheque", "old"}
    assert rows["gopay"].suggestion == "Platební kartou" and rows["cod"].suggestion == "Dobírkou"
    assert rows["bacs"].current == "Příkazem" and rows["cheque"].enabled is False
    assert pohoda_values.load(env.data_dir) is not None  # kept for the next screen


def test_carrier_and_tax_screens(env: Env) -> None:
    carriers = {r.value: r for r in env.screen("carrier").rows}
    assert carriers["flat_rate"].label == "Zásilkovna" and carriers["flat_rate"].current == "Zásilkovna"
    assert {"ppl", "local_pickup", "free_shipping"} <= set(carriers)
    tax = env.screen("tax", env.pohoda())
    rows = {r.value: r for r in tax.rows}
    assert set(rows) == {"21", "12", "0"}
    assert "Reduced rate" in rows["12"].label and rows["21"].current == "high"
    codes = [code for code, _label in tax.classifications]
    assert "UD" in codes and "UDA5" in codes and "PD" not in codes and "xUD" not in codes
    assert rows["21"].classification_suggestion == "UD" and rows["21"].classification == ""
    assert rows["0"].classification_suggestion == ""  # a 0 % line is no ordinary taxed supply: nothing suggested


def test_saving_the_tax_screen_writes_rates_and_classifications(env: Env) -> None:
    form = {"map.21": "high", "map.12": "low", "map.0": "none", "class.21": "UD", "class.12": "UDA5", "class.0": ""}
    changes = changes_from_form("tax", form, env.settings)
    assert changes == {"orders": {"vat_rates": {"21": "high", "12": "low", "0": "none"}},
                       "mappings": {"vat_classification": {"21": "UD", "12": "UDA5"}}}


def test_status_screen_lists_every_status_and_a_plugin_one_as_new(env: Env) -> None:
    order = env.order()
    env.plugin_status(order["id"])
    screen = env.screen("status")
    assert screen.rows[0].value == "awaiting-shipment" and screen.rows[0].new and screen.rows[0].total == 1
    rows = {r.value: r for r in screen.rows}
    assert rows["completed"].roles == ["Přijaté objednávky: přenést do POHODY ve stavu",
                                       "Vydané faktury: vystavit ve stavu"]
    assert not rows["processing"].new
    form = {"role.orders.transfer_statuses": "completed", "shown.awaiting-shipment": "1",
            "known.awaiting-shipment": "1", "shown.pending": "1"}
    changes = changes_from_form("status", form, env.settings)
    assert changes["mappings"] == {"known_statuses": ("awaiting-shipment",)}
    known = replace(env.settings, mappings=MappingsSettings(known_statuses=("awaiting-shipment",)))
    assert not unknown_status(known, "wc-awaiting-shipment") and unknown_status(env.settings, "awaiting-shipment")
    assert {"completed", "trash", "cancelled"} <= known_statuses(env.settings)


def test_orders_run_notes_a_plugin_status_once_and_knowing_it_resolves_it(env: Env) -> None:
    order = env.order()
    assert env.run("orders").status == "ok"
    env.plugin_status(order["id"])
    assert env.run("orders").status == "ok"
    assert env.run("orders").status == "ok"
    with ledger.database.connection_context():
        rows = list(UnmappedValue.select())
    assert [(r.kind, r.value, r.label, r.orders, r.resolved_at) for r in rows] == [
        ("status", "awaiting-shipment", "Čeká na odeslání", 1, None)]
    env.settings = replace(env.settings, mappings=MappingsSettings(known_statuses=("awaiting-shipment",)))
    assert env.run("orders").status == "ok"
    from adapter.mappings.unmapped import resolve_mapped

    with ledger.database.connection_context():
        assert resolve_mapped(env.settings, ledger.utcnow()) == 1


def test_an_order_seen_in_an_unknown_status_is_noted_and_not_held(env: Env) -> None:
    env.settings = replace(env.settings, orders=replace(env.settings.orders, transfer_meta_key="_send_pohoda"))
    order = env.order(meta_data=[{"key": "_send_pohoda", "value": "1"}])
    env.plugin_status(order["id"], "ready-to-pack")
    assert env.run("orders").status == "ok"
    assert [o.ext_id for o in env.ms.received_orders()] == [str(order["id"])]
    with ledger.database.connection_context():
        row = UnmappedValue.get(UnmappedValue.kind == "status")
    assert (row.value, row.example) == ("ready-to-pack", order["number"])


def test_domestic_invoice_carries_the_mapped_classification(env: Env) -> None:
    env.settings = replace(env.settings, invoices=InvoicesSettings(enabled=True),
                           mappings=MappingsSettings(vat_classification={"12": "UDA5", "0": "UN"}))
    env.order()  # a 12 % product, shipping at 21 % (not mapped): the highest mapped rate wins
    assert env.run("orders").status == "ok"
    assert env.run("invoices").status == "ok"
    invoice = env.ms.issued_invoices()[0]
    vat = env.ms.document_vat("invoice", invoice.number)
    assert vat is not None and vat["classification"] == "UDA5"


def test_nothing_mapped_keeps_the_invoice_without_a_classification(env: Env) -> None:
    env.settings = replace(env.settings, invoices=InvoicesSettings(enabled=True))
    env.order()
    assert env.run("orders").status == "ok"
    assert env.run("invoices").status == "ok"
    invoice = env.ms.issued_invoices()[0]
    vat = env.ms.document_vat("invoice", invoice.number)
    assert vat is None or vat["classification"] == ""


def test_domestic_vat_takes_the_highest_mapped_rate() -> None:
    from decimal import Decimal

    from adapter.records import Address, Order, OrderLine

    one = Decimal(1)
    now = datetime.now(UTC)

    def line(rate: str) -> OrderLine:
        return OrderLine("product", "x", one, one, one, one, Decimal(0), Decimal(rate))

    order = Order(1, "1", "completed", "CZK", now, now, one, one, True, (line("12"), line("21")), Address(), Address())
    assert domestic_vat(order, {}) is None
    assert domestic_vat(order, {"12": "UDA5"}).classification == "UDA5"  # type: ignore[union-attr]
    assert domestic_vat(order, {"12": "UDA5", "21": "UD"}).classification == "UD"  # type: ignore[union-attr]


def test_suggestions() -> None:
    forms = {"Příkazem": "transfer", "GoPay": "creditCard", "Dobírkou": "delivery"}
    assert suggest("payment", "gopay", "Platební karta (GoPay)", forms) == "GoPay"  # POHODA's own name first
    assert suggest("payment", "stripe", "Kartou", forms) == "GoPay"  # then by kind
    assert suggest("payment", "xyz", "Neznámá", forms) == ""
    assert suggest("tax", "21", "") == "high" and suggest("tax", "0", "") == "none"

"""The pairing report page against both emulators: counts, filters, search, paging, CSV, actions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.sync.connections import DefaultConnections
from adapter.sync.pairing.match import pair
from adapter.sync.pairing.queries import CONFLICT_KINDS
from tests.fixtures_app import CsrfClient
from tests.sync.stock.test_job import StockEnv, expected_counts, make_env


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> StockEnv:
    return make_env(tmp_path, mserver_factory, woo_factory, 600)


@pytest.fixture
def app(env: StockEnv) -> Any:
    """The real app with the real jobs, pointing at both emulators."""
    from app import create_app

    application = create_app(env.settings, data_dir=env.settings.data_dir, connections=DefaultConnections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    for agenda in ("stock", "products"):
        application.extensions["adapter"].runner.wait(agenda, 60)
    ledger.database.close()


def _refresh(client: Any, app: Any) -> None:
    response = client.post("/pairing/refresh")
    assert response.status_code == 302 and "run=" in response.headers["Location"]
    assert app.extensions["adapter"].runner.wait("stock", 60)


def test_report_counts_match_the_seed(client: Any, app: Any, env: StockEnv) -> None:
    page = client.get("/pairing/")
    assert page.status_code == 200 and "Párování zatím neproběhlo" in page.get_data(as_text=True)
    _refresh(client, app)
    with ledger.database.connection_context():
        run = ledger.last_run("stock")
        assert run is not None
        assert run.status == "ok" and run.options_dict() == {"pairing_only": True}, run.message
    html = client.get("/pairing/").get_data(as_text=True)
    want = expected_counts(env.catalogue)
    assert 'data-status="eshop_only">' in html
    for status in ("eshop_only", "pohoda_only"):
        assert f'<span class="num">{want[status]}</span>' in html.split(f'data-status="{status}">')[1][:400]
    assert "Duplicitní SKU v e-shopu" in html and "Produkt bez SKU" in html
    # filters and search
    only = client.get("/pairing/?status=eshop_only").get_data(as_text=True)
    assert only.count('data-status="eshop_only"') == want["eshop_only"] + 1  # rows + the counts link
    sku = env.catalogue.unknown_skus[0]
    found = client.get(f"/pairing/?q={sku}").get_data(as_text=True)
    assert sku in found and found.count("<tr class=\"pairing-") == 1
    no_sku = client.get("/pairing/?status=conflict&kind=no_sku").get_data(as_text=True)
    assert no_sku.count('<tr class="pairing-conflict"') == env.catalogue.expected.shop_no_sku
    # paging: 100 rows a page
    first = client.get("/pairing/").get_data(as_text=True)
    assert first.count("<tr class=\"pairing-") == 100 and "Další →" in first
    second = client.get("/pairing/?page=2").get_data(as_text=True)
    assert "← Předchozí" in second


def test_conflict_patterns_match_pairing_reasons() -> None:
    from adapter.records import Product, StockCard

    cards = [StockCard(id=1, code="A", name="a", ean="1"), StockCard(id=2, code="M", name="m", store="X"),
             StockCard(id=3, code="M", name="m", store="Y")]
    products = [Product(id=1, name="a", sku="A", ean="2"), Product(id=2, name="d", sku="D"),
                Product(id=3, name="d2", sku="D"), Product(id=4, name="n"), Product(id=5, name="m", sku="M")]
    reasons = " | ".join(r.conflict for r in pair(cards, products).rows)
    import fnmatch

    for _title, pattern in CONFLICT_KINDS.values():
        assert fnmatch.fnmatch(reasons, pattern.replace("%", "*")), pattern


def test_csv_export_is_excel_friendly(client: Any, app: Any, env: StockEnv) -> None:
    _refresh(client, app)
    response = client.get("/pairing/export.csv?status=eshop_only")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Stav", "SKU", "ID produktu"]
    assert len(rows) == 1 + env.catalogue.expected.shop_unknown
    assert {r[1] for r in rows[1:]} == set(env.catalogue.unknown_skus)
    assert all(r[0] == "Jen v e-shopu" for r in rows[1:])
    everything = client.get("/pairing/export.csv").data.decode("utf-8-sig").count("\r\n")
    with ledger.database.connection_context():
        assert everything == 1 + ledger.Pairing.select().count()


def test_create_cards_for_ticked_products(client: Any, app: Any, env: StockEnv) -> None:
    _refresh(client, app)
    assert client.post("/pairing/create-cards", data={}).status_code == 302  # nothing ticked: a message
    chosen = [env.woo.product_by_sku(sku)["id"] for sku in env.catalogue.unknown_skus[:2]]
    app.extensions["adapter"].store.save({"products": {"storage": "Zboží/Kuchyně", "price_type": "SK"}})
    response = client.post("/pairing/create-cards", data={"product_id": [str(i) for i in chosen]})
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    assert app.extensions["adapter"].runner.wait("products", 60)
    with ledger.database.connection_context():
        run = ledger.last_run("products")
        assert run is not None
        assert run.status == "ok", run.message
        assert run.options_dict() == {"keys": [str(i) for i in chosen]}
    codes = {c.code for c in env.mserver.stock_cards()}
    assert set(env.catalogue.unknown_skus[:2]) <= codes and env.catalogue.unknown_skus[2] not in codes
    html = client.get("/pairing/?status=eshop_only").get_data(as_text=True)
    assert env.catalogue.unknown_skus[0] not in html


def test_dashboard_links_to_the_report(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "/pairing/" in html


def _multi_store_code(env: StockEnv) -> tuple[str, tuple[str, ...]]:
    """A code the shop sells as one simple product and POHODA holds in two warehouses."""
    simple = {p.sku for p in env.catalogue.products if p.kind == "simple" and p.role == "paired"}
    dup = set(env.catalogue.duplicate_skus)
    card = next(c for c in env.catalogue.cards if len(c.stores) == 2 and c.code in simple and c.code not in dup)
    return card.code, tuple(store for store, _qty in card.stores)


def _hold_order(number: str, sku: str) -> None:
    with ledger.database.connection_context():
        ledger.save_entries("orders", [{"key": f"o-{number}", "label": f"Objednávka {number}", "state": "held",
                                        "details": json.dumps({"number": number, "skus": [sku]})}])


def test_every_paired_row_names_its_warehouses_on_the_page_and_in_the_csv(client: Any, app: Any,
                                                                          env: StockEnv) -> None:
    code, stores = _multi_store_code(env)
    single = env.simple_codes(1)[0]
    single_store = next(c.stores[0][0] for c in env.catalogue.cards if c.code == single)
    _hold_order("OBJ-7", code.lower())  # an order line's SKU in other letters still finds the row
    _refresh(client, app)
    with ledger.database.connection_context():
        rows = list(ledger.Pairing.select())
        linked = [r for r in rows if r.pohoda_code]
        assert linked and all(r.stores for r in linked)  # every row with a POHODA card knows its warehouses
        assert next(r for r in rows if r.sku == code).stores == ",".join(stores)
        assert next(r for r in rows if r.sku == single).stores == single_store
    html = client.get(f"/pairing/?q={code}").get_data(as_text=True)
    assert "<th>Sklady</th><th>Blokované objednávky</th>" in html
    row = html.split(f'<td class="nowrap">{code}</td>', 1)[1].split("</tr>", 1)[0]
    assert f'<td class="small">{", ".join(stores)}</td>' in row
    assert '<td class="small held">OBJ-7</td>' in row
    body = client.get(f"/pairing/export.csv?q={code}").data.decode("utf-8-sig")
    header, found = list(csv.reader(io.StringIO(body), delimiter=";"))[:2]
    assert found[header.index("Sklady")] == ", ".join(stores)
    assert found[header.index("Blokované objednávky")] == "OBJ-7"


def test_emulator_lists_its_warehouses(env: StockEnv) -> None:
    from adapter.pohoda.client import MServerClient
    from adapter.sync.pairing.pull import Listing, warehouses

    listing = Listing()
    with MServerClient(env.mserver.url, "admin", "heslo", "12345678") as client:
        found = warehouses(client, listing)
    expected = {store for card in env.catalogue.cards for store, _qty in card.stores}
    assert set(found) == expected and len(found) == len(expected) >= 2
    assert listing.requests == 1


def test_orders_take_each_line_out_of_the_warehouse_the_pairing_found(client: Any, app: Any, env: StockEnv) -> None:
    from adapter.sync.lookups import CodeResolver
    from adapter.sync.warehouses import choose_store

    code, stores = _multi_store_code(env)
    single = env.simple_codes(1)[0]
    single_store = next(c.stores[0][0] for c in env.catalogue.cards if c.code == single)
    _refresh(client, app)

    def asked(_pack: bytes) -> bytes:
        raise AssertionError("the pairing knows these codes; POHODA is not asked")

    with ledger.database.connection_context():
        resolver = CodeResolver(ico="12345678", post=asked)
        assert resolver.resolve([single, code]) == {single: single, code: code}
    assert choose_store(single, resolver.card_stores[single], "") == (single_store, "")
    assert choose_store(code, resolver.card_stores[code], stores[1]) == (stores[1], "")
    store, reason = choose_store(code, resolver.card_stores[code], "")
    assert store is None and all(s in reason for s in stores)

"""Contract: products, variations, ``sku`` look-ups and stock batches."""

from __future__ import annotations

from tests.contract.sides import Side


def _by_sku(side: Side, sku: str) -> dict[str, object]:
    [found] = side.client().ok("GET", "products", sku=sku)
    assert isinstance(found, dict)
    return found


def test_sku_lookup_finds_simple_products_and_variations(side: Side) -> None:
    simple = _by_sku(side, "DOM000003")
    assert (simple["type"], simple["name"]) == ("simple", "Ručník ocelový 3")
    variation = _by_sku(side, "KUC000004")
    assert variation["type"] == "variation"
    assert variation["parent_id"]


def test_sku_filter_ignores_letter_case(side: Side) -> None:
    found = side.client().ok("GET", "products", sku="dom000003")
    assert [p["sku"] for p in found] == ["DOM000003"]


def test_sku_filter_takes_a_comma_list(side: Side) -> None:
    found = side.client().ok("GET", "products", sku="DOM000003,KUC000002")
    assert sorted(p["sku"] for p in found) == ["DOM000003", "KUC000002"]


def test_variable_products_list_their_variations(side: Side) -> None:
    client = side.client()
    parents = client.ok("GET", "products", type="variable", per_page="100")
    assert parents
    parent = parents[0]
    assert parent["variations"]
    variations = client.ok("GET", f"products/{parent['id']}/variations", per_page="100")
    assert sorted(v["id"] for v in variations) == sorted(parent["variations"])
    assert all(v["sku"] and v["manage_stock"] is True for v in variations)


def test_stock_batch_updates_and_reports_per_item(side: Side) -> None:
    client = side.client()
    product = _by_sku(side, "DOM000003")
    answer = client.ok("POST", "products/batch", {"update": [
        {"id": product["id"], "stock_quantity": 7, "manage_stock": True},
        {"id": 999999, "stock_quantity": 1},
    ]})
    first, missing = answer["update"]
    assert first["stock_quantity"] == 7
    assert missing["id"] == 999999
    assert missing["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert client.ok("GET", f"products/{product['id']}")["stock_quantity"] == 7


def test_variation_stock_batch(side: Side) -> None:
    client = side.client()
    variation = _by_sku(side, "KUC000004")
    answer = client.ok("POST", f"products/{variation['parent_id']}/variations/batch",
                       {"update": [{"id": variation["id"], "stock_quantity": 3}]})
    assert answer["update"][0]["stock_quantity"] == 3


def test_fractional_stock_in_a_batch_is_truncated_not_refused(side: Side) -> None:
    client = side.client()
    product = _by_sku(side, "DOM000003")
    answer = client.ok("POST", "products/batch", {"update": [{"id": product["id"], "stock_quantity": 5.7}]})
    assert "error" not in answer["update"][0]
    assert client.ok("GET", f"products/{product['id']}")["stock_quantity"] == 5


def test_fractional_stock_in_a_put_is_refused(side: Side) -> None:
    product = _by_sku(side, "DOM000003")
    answer = side.client().put(f"products/{product['id']}", {"stock_quantity": 6.2})
    assert answer.status_code == 400
    assert answer.json()["code"] == "rest_invalid_param"


def test_products_modified_after_lists_a_stock_change(side: Side) -> None:
    client = side.client()
    product = _by_sku(side, "KUC000010")
    before = client.ok("GET", f"products/{product['id']}")["date_modified_gmt"]
    client.ok("PUT", f"products/{product['id']}", {"stock_quantity": 2})
    found = client.ok("GET", "products", modified_after=before, dates_are_gmt="true", per_page="100")
    assert product["id"] in [p["id"] for p in found]


def test_batch_create_refuses_a_duplicate_sku_per_item(side: Side) -> None:
    answer = side.client().ok("POST", "products/batch", {"create": [
        {"name": "Nový výrobek", "sku": "NOVY-0001", "regular_price": "10.00", "status": "draft"},
        {"name": "Dvojník", "sku": "ZAH000001", "regular_price": "10.00"},
    ]})
    created, duplicate = answer["create"]
    assert created["sku"] == "NOVY-0001"
    assert created["status"] == "draft"
    assert duplicate["error"]["code"] == "product_invalid_sku"

"""The real-shop fixture itself: it serves the REST API with both keys, resets, and has both order storages."""

from __future__ import annotations

import json

import pytest
import requests

from tests.contract.client import RestClient
from tests.realshop.shop import RealShop


def test_site_answers_and_is_czech_shop(fresh_shop: RealShop) -> None:
    index = requests.get(fresh_shop.site_url + "/wp-json/", timeout=30).json()
    assert "wc/v3" in index["namespaces"]
    client = RestClient(fresh_shop.api_url, fresh_shop.ck, fresh_shop.cs)
    general = {s["id"]: s["value"] for s in client.get("settings/general").json()}
    assert general["woocommerce_currency"] == "CZK"
    rates = sorted(r["rate"] for r in client.get("taxes", per_page="100").json())
    assert rates == ["0.0000", "12.0000", "21.0000"]


def test_seeded_catalogue_and_orders(fresh_shop: RealShop) -> None:
    client = RestClient(fresh_shop.api_url, fresh_shop.ck, fresh_shop.cs)
    answer = client.get("products", sku="KUC000002")
    [product] = answer.json()
    assert product["name"] == "Konvice bílý 2"
    # seeded 11 + 2 (shop stock differs from POHODA's on purpose), seeded order 1 took 2
    assert product["stock_quantity"] == 11
    assert int(client.get("orders", per_page="1").headers["X-WP-Total"]) == 11


def test_reset_undoes_changes(real_shop: RealShop) -> None:
    real_shop.reset()
    client = RestClient(real_shop.api_url, real_shop.ck, real_shop.cs)
    [product] = client.get("products", sku="ZAH000001").json()
    assert product["stock_quantity"] != 1
    client.put(f"products/{product['id']}", {"stock_quantity": 1})
    assert client.get(f"products/{product['id']}").json()["stock_quantity"] == 1
    real_shop.reset()
    assert client.get(f"products/{product['id']}").json()["stock_quantity"] == product["stock_quantity"]


def test_read_only_key_reads_but_cannot_write(fresh_shop: RealShop) -> None:
    ro = RestClient(fresh_shop.api_url, fresh_shop.ro_ck, fresh_shop.ro_cs)
    assert ro.get("products", per_page="1").status_code == 200
    refused = ro.post("products/batch", {})
    assert refused.status_code == 401
    assert refused.json()["code"] == "woocommerce_rest_authentication_error"


@pytest.mark.parametrize("kind", ["hpos", "posts"])
def test_both_order_storages(real_shop: RealShop, kind: str) -> None:
    real_shop.set_storage(kind)
    assert real_shop.storage == kind
    assert real_shop.actual_storage() == kind
    client = RestClient(real_shop.api_url, real_shop.ck, real_shop.cs)
    assert int(client.get("orders", per_page="1").headers["X-WP-Total"]) == 11
    real_shop.set_storage("posts")


def test_php_runs_with_wordpress_loaded(real_shop: RealShop) -> None:
    out = real_shop.php("echo wp_json_encode( array( get_bloginfo( 'version' ), WC()->version ) );")
    assert json.loads(out) == ["6.8.3", "10.0.2"]
    assert (real_shop.wp_root / "wp-content" / "plugins" / "woocommerce").is_dir()

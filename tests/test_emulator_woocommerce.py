"""WooCommerce emulator over real sockets: auth, shapes, filters, batches, orders, faults, official client."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
import trustme
from woocommerce import API  # type: ignore[import-untyped]
from woocommerce.oauth import OAuth  # type: ignore[import-untyped]

from adapter.emulators import catalogue
from adapter.emulators.woocommerce import WooEmulator, main

KEY, SECRET = "ck_test", "cs_test"


# --------------------------------------------------------------------------- helpers


def signed(url: str, method: str = "GET", params: dict[str, Any] | None = None, *, secret: str = SECRET,
           timestamp: int | None = None) -> str:
    """A URL signed by the official client's OAuth class (HMAC-SHA256)."""
    full = f"{url}?{urlencode(params)}" if params else url
    oauth = OAuth(full, KEY, secret, version="wc/v3", method=method, oauth_timestamp=timestamp or int(time.time()))
    return str(oauth.get_oauth_url())


def api(emu: WooEmulator, **kw: Any) -> API:
    """The official client against the emulator."""
    return API(url=emu.url, consumer_key=KEY, consumer_secret=SECRET, version="wc/v3", timeout=20, **kw)


def wc(emu: WooEmulator, path: str) -> str:
    return f"{emu.url}/wp-json/wc/v3/{path}"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_woo(woo_factory: Callable[..., WooEmulator], ca: trustme.CA, tmp_path: Path) -> tuple[WooEmulator, str]:
    """A TLS shop and the CA bundle path that trusts it."""
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    emu = woo_factory(seed_products=60, seed_orders=5, tls_cert=(str(cert_file), str(key_file)))
    return emu, str(ca_file)


# --------------------------------------------------------------------------- auth


def test_official_client_over_plain_http_lists_and_updates_products(woo: WooEmulator) -> None:
    client = api(woo)
    listed = client.get("products", params={"per_page": 100})
    assert listed.status_code == 200
    products = listed.json()
    assert int(listed.headers["X-WP-Total"]) == len(products)
    simple = next(p for p in products if p["type"] == "simple" and p["sku"] and p["manage_stock"])
    updated = client.put(f"products/{simple['id']}", {"stock_quantity": 7, "regular_price": "123.40"})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["stock_quantity"] == 7 and body["regular_price"] == "123.40" and body["stock_status"] == "instock"
    assert woo.product(simple["id"])["stock_quantity"] == 7


def test_official_client_orders_and_batch(woo: WooEmulator) -> None:
    client = api(woo)
    orders = client.get("orders", params={"status": "processing,completed", "orderby": "modified", "order": "asc"})
    assert orders.status_code == 200
    assert {o["status"] for o in orders.json()} <= {"processing", "completed"}
    products = client.get("products", params={"per_page": 8, "type": "simple"}).json()
    batch = client.post("products/batch", {"update": [{"id": p["id"], "stock_quantity": 3} for p in products]})
    assert batch.status_code == 200
    expected = [3 if p["manage_stock"] else None for p in products]  # ignored unless stock is managed
    assert [u["stock_quantity"] for u in batch.json()["update"]] == expected
    assert None in expected


def test_oauth_signature_checked_exactly(woo: WooEmulator) -> None:
    good = signed(wc(woo, "products"), params={"per_page": 2, "search": "hrnek šedý"})
    assert requests.get(good).status_code == 200
    # Replaying the same nonce is refused.
    replay = requests.get(good).json()
    assert replay["code"] == "woocommerce_rest_authentication_error"
    assert "nonce" in replay["message"]
    bad_secret = requests.get(signed(wc(woo, "products"), secret="cs_wrong"))
    assert bad_secret.status_code == 401
    assert bad_secret.json()["message"] == "Invalid signature - provided signature does not match."
    # Tampering with a parameter after signing breaks the signature.
    tampered = signed(wc(woo, "products"), params={"per_page": 2}).replace("per_page=2", "per_page=3")
    assert requests.get(tampered).json()["code"] == "woocommerce_rest_authentication_error"
    # The method is part of the base string.
    as_get = signed(wc(woo, "products/1"), "GET")
    assert requests.put(as_get, json={"name": "x"}).status_code == 401


def test_oauth_hmac_sha1_and_header_params_work(woo: WooEmulator) -> None:
    from adapter.emulators.woocommerce.auth import sign, signature_base

    url = wc(woo, "orders")
    params = {"oauth_consumer_key": KEY, "oauth_timestamp": str(int(time.time())), "oauth_nonce": "abc123",
              "oauth_signature_method": "HMAC-SHA1", "per_page": "1"}
    params["oauth_signature"] = sign(signature_base("GET", url, params), SECRET, "HMAC-SHA1")
    assert requests.get(url, params=params).status_code == 200


def test_oauth_old_timestamp_and_missing_params(woo: WooEmulator) -> None:
    old = signed(wc(woo, "products"), timestamp=int(time.time()) - 16 * 60)
    assert requests.get(old).json()["message"] == "Invalid timestamp."
    partial = requests.get(wc(woo, "products"), params={"oauth_consumer_key": KEY})
    assert partial.status_code == 401
    assert partial.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    wrong_key = requests.get(wc(woo, "products"), params={
        "oauth_consumer_key": "ck_x", "oauth_timestamp": "1", "oauth_nonce": "n", "oauth_signature": "s",
        "oauth_signature_method": "HMAC-SHA256"})
    assert wrong_key.json()["message"] == "Consumer key is invalid."


def test_basic_auth_over_plain_http_is_ignored(woo: WooEmulator) -> None:
    response = requests.get(wc(woo, "products"), auth=(KEY, SECRET))
    assert response.status_code == 401
    assert response.json() == {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
                               "data": {"status": 401}}
    query = requests.get(wc(woo, "products"), params={"consumer_key": KEY, "consumer_secret": SECRET})
    assert query.status_code == 401


def test_basic_auth_and_query_keys_over_tls(tls_woo: tuple[WooEmulator, str]) -> None:
    emu, ca_file = tls_woo
    assert emu.url.startswith("https://")
    ok = requests.get(wc(emu, "products"), auth=(KEY, SECRET), verify=ca_file)
    assert ok.status_code == 200 and ok.json()
    query = requests.get(wc(emu, "orders"), params={"consumer_key": KEY, "consumer_secret": SECRET}, verify=ca_file)
    assert query.status_code == 200
    wrong = requests.get(wc(emu, "products"), auth=(KEY, "cs_nope"), verify=ca_file)
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "Consumer secret is invalid."
    assert wrong.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert requests.get(wc(emu, "products"), verify=ca_file).status_code == 401


def test_official_client_over_tls(tls_woo: tuple[WooEmulator, str]) -> None:
    emu, ca_file = tls_woo
    client = api(emu, verify_ssl=ca_file)
    products = client.get("products", params={"per_page": 3})
    assert products.status_code == 200 and len(products.json()) == 3
    pid = products.json()[0]["id"]
    assert client.put(f"products/{pid}", {"sale_price": ""}).status_code == 200
    assert client.get("orders").status_code == 200
    assert api(emu, verify_ssl=ca_file, query_string_auth=True).get("customers").status_code == 200


# --------------------------------------------------------------------------- shapes, paging, filters


def test_index_settings_and_system_status(woo: WooEmulator) -> None:
    index = requests.get(f"{woo.url}/wp-json/").json()
    assert "wc/v3" in index["namespaces"] and index["url"] == woo.url and index["name"]
    settings = api(woo).get("settings/general").json()
    assert {s["id"]: s["value"] for s in settings}["woocommerce_currency"] == "CZK"
    assert api(woo).get("system_status").json()["environment"]["version"]


def test_errors_have_wordpress_shape(woo: WooEmulator) -> None:
    client = api(woo)
    missing = client.get("products/999999")
    assert missing.status_code == 404
    assert missing.json() == {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                              "data": {"status": 404}}
    assert client.get("orders/999999").json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert client.put("products/999999", {"name": "x"}).status_code == 400
    no_route = client.get("nothing/here")
    assert no_route.status_code == 404 and no_route.json()["code"] == "rest_no_route"
    too_many = client.get("products", params={"per_page": 101})
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "rest_invalid_param"
    assert "per_page" in too_many.json()["data"]["params"]
    number_price = client.put("products/1", {"regular_price": 100})
    assert number_price.status_code == 400 and number_price.json()["data"]["params"]["regular_price"]
    assert client.get("orders", params={"status": "shipped"}).json()["code"] == "rest_invalid_param"


def test_product_shape(woo_factory: Callable[..., WooEmulator]) -> None:
    woo = woo_factory(seed_products=200)
    products = api(woo).get("products", params={"per_page": 100}).json()
    simple = next(p for p in products if p["type"] == "simple" and p["sku"])
    for key in ("id", "name", "slug", "type", "status", "sku", "global_unique_id", "price", "regular_price",
                "sale_price", "manage_stock", "stock_quantity", "stock_status", "tax_class", "date_modified",
                "date_modified_gmt", "meta_data", "variations", "attributes", "_links"):
        assert key in simple
    assert isinstance(simple["regular_price"], str) and isinstance(simple["price"], str)
    variable = next(p for p in products if p["type"] == "variable")
    assert variable["sku"] == "" and variable["variations"] and variable["attributes"][0]["variation"] is True
    variations = api(woo).get(f"products/{variable['id']}/variations").json()
    assert sorted(v["id"] for v in variations) == sorted(variable["variations"])
    assert all(v["type"] == "variation" and v["parent_id"] == variable["id"] for v in variations)
    one = api(woo).get(f"products/{variable['id']}/variations/{variations[0]['id']}").json()
    assert one["attributes"][0]["option"]
    expected = catalogue.generate(1, 200)
    everything = woo.products()
    assert sum(1 for p in everything if p["sku"] == "") == expected.expected.shop_no_sku + expected.expected.variable_parents
    assert sum(1 for p in everything if p["type"] == "variation") == expected.expected.variations


def test_pagination_headers(woo: WooEmulator) -> None:
    first = api(woo).get("products", params={"per_page": 10})
    total = int(first.headers["X-WP-Total"])
    pages = int(first.headers["X-WP-TotalPages"])
    assert pages == -(-total // 10)
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    second = api(woo).get("products", params={"per_page": 10, "page": 2})
    assert 'rel="prev"' in second.headers["Link"] and 'rel="next"' in second.headers["Link"]
    last = api(woo).get("products", params={"per_page": 10, "page": pages})
    assert 'rel="next"' not in last.headers.get("Link", "")
    ids = []
    for page in range(1, pages + 1):
        ids += [p["id"] for p in api(woo).get("products", params={"per_page": 10, "page": page}).json()]
    assert len(ids) == len(set(ids)) == total
    beyond = api(woo).get("products", params={"per_page": 10, "page": pages + 1})
    assert beyond.json() == [] and beyond.headers["X-WP-Total"] == str(total)


def test_product_filters(woo_factory: Callable[..., WooEmulator]) -> None:
    woo = woo_factory(seed_products=200)
    client = api(woo)
    cat = catalogue.generate(1, 200)
    variation = next(p for p in cat.products if p.kind == "variation")
    by_sku = client.get("products", params={"sku": variation.sku}).json()
    assert [p["id"] for p in by_sku] == [variation.key]  # sku also finds variations
    dup = cat.duplicate_skus[0]
    assert len(client.get("products", params={"sku": dup}).json()) == 2
    variable = client.get("products", params={"type": "variable", "per_page": 100}).json()
    assert len(variable) == cat.expected.variable_parents
    assert all(p["type"] != "variation" for p in client.get("products", params={"per_page": 100}).json())
    found = client.get("products", params={"search": "poukaz"}).json()
    assert found and all("poukaz" in p["name"].lower() for p in found)
    included = client.get("products", params={"include": "3,1,2", "orderby": "include"}).json()
    assert [p["id"] for p in included] == [3, 1, 2]
    asc = client.get("products", params={"orderby": "id", "order": "asc", "per_page": 3}).json()
    assert [p["id"] for p in asc] == sorted(p["id"] for p in asc)


def test_date_modified_moves_and_modified_after_finds_it(woo_factory: Callable[..., WooEmulator]) -> None:
    now = [datetime(2025, 3, 1, 12, 0, tzinfo=UTC)]
    emu = woo_factory(seed_products=60, clock=lambda: now[0])
    client = api(emu)
    simple = [p["id"] for p in client.get("products", params={"type": "simple", "per_page": 20}).json()]
    first, second = simple[2], simple[4]
    before = client.get(f"products/{first}").json()
    for _ in range(2):  # same clock second: still moves
        after = client.put(f"products/{first}", {"name": "Přejmenováno"}).json()
        assert after["date_modified_gmt"] > before["date_modified_gmt"]
        before = after
    now[0] += timedelta(hours=1)
    client.put(f"products/{second}", {"stock_quantity": 1})
    since = client.get("products", params={"modified_after": "2025-03-01T12:00:00", "dates_are_gmt": "true",
                                           "orderby": "modified", "order": "asc"}).json()
    assert [p["id"] for p in since] == [first, second]
    local = client.get("products", params={"modified_after": "2025-03-01T13:30:00"}).json()  # site time (CET)
    assert [p["id"] for p in local] == [second]


def test_meta_data_add_update_delete(woo: WooEmulator) -> None:
    client = api(woo)
    added = client.put("products/1", {"meta_data": [{"key": "pohoda_id", "value": "42"}]}).json()
    meta = {m["key"]: m for m in added["meta_data"]}
    assert meta["pohoda_id"]["value"] == "42" and isinstance(meta["pohoda_id"]["id"], int)
    changed = client.put("products/1", {"meta_data": [{"key": "pohoda_id", "value": "43"}]}).json()
    assert [m["value"] for m in changed["meta_data"] if m["key"] == "pohoda_id"] == ["43"]
    # like WooCommerce: protected "_" meta is returned, the data store's internal keys are not
    shown = client.put("products/1", {"meta_data": [{"key": "_pohoda_number", "value": "x"}]}).json()
    assert [m["value"] for m in shown["meta_data"] if m["key"] == "_pohoda_number"] == ["x"]
    hidden = client.put("products/1", {"meta_data": [{"key": "_edit_lock", "value": "x"}]}).json()
    assert all(m["key"] != "_edit_lock" for m in hidden["meta_data"])


# --------------------------------------------------------------------------- batches


def test_batch_limit_413_and_per_item_errors(woo: WooEmulator) -> None:
    client = api(woo)
    too_big = client.post("products/batch", {"update": [{"id": 1, "stock_quantity": 1}] * 101})
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "woocommerce_rest_request_entity_too_large"
    taken = catalogue.generate(1, 60).products[0].sku
    mixed = client.post("products/batch", {
        "create": [{"name": "Nový", "sku": taken, "regular_price": "10"}, {"name": "Nový 2", "sku": "NOVY-1"}],
        "update": [{"id": 999999, "stock_quantity": 1}, {"id": 2, "stock_quantity": 4}],
        "delete": [999998],
    }).json()
    assert mixed["create"][0]["id"] == 0 and mixed["create"][0]["error"]["code"] == "product_invalid_sku"
    assert mixed["create"][1]["sku"] == "NOVY-1"
    assert mixed["update"][0] == {"id": 999999, "error": {"code": "woocommerce_rest_product_invalid_id",
                                                          "message": "Invalid ID.", "data": {"status": 400}}}
    assert mixed["update"][1]["stock_quantity"] == 4
    assert mixed["delete"][0]["error"]["data"]["status"] == 404
    woo.set_faults(batch_limit=2)
    assert client.post("products/batch", {"update": [{"id": 1}, {"id": 2}, {"id": 3}]}).status_code == 413


def test_order_batch_update_merges_meta_and_sets_status_like_woocommerce(woo: WooEmulator) -> None:
    client = api(woo)
    first, second, third = (o["id"] for o in woo.orders()[:3])
    doc = woo.objects.store.get("orders", first)  # a plugin's add_meta_data left the key twice
    assert doc is not None
    doc["meta_data"] += [{"id": 900001, "key": "pohoda_number", "value": "OLD-1"},
                         {"id": 900002, "key": "pohoda_number", "value": "OLD-2"},
                         {"id": 900003, "key": "other", "value": "keep"}]
    woo.objects.store.put("orders", doc)
    woo.reset_stats()
    answer = client.post("orders/batch", {"update": [
        {"id": first, "meta_data": [{"key": "pohoda_number", "value": "OP1"}], "status": "completed"},
        {"id": second, "meta_data": [{"key": "pohoda_number", "value": "OP2"}], "status": "no-such-status"},
        {"id": third, "meta_data": [{"key": "pohoda_number", "value": "OP3"}], "status": "wc-on-hold"},
        {"id": 999999, "meta_data": [{"key": "pohoda_number", "value": "OP4"}], "status": "completed"},
    ]})
    assert answer.status_code == 200, answer.text
    items = answer.json()["update"]
    meta = [(m["id"], m["key"], m["value"]) for m in items[0]["meta_data"] if m["key"] in ("pohoda_number", "other")]
    assert meta == [(900001, "pohoda_number", "OP1"), (900003, "other", "keep")]  # one entry left, first id kept
    assert items[0]["status"] == "completed" == woo.order(first)["status"]
    # batch items skip the route's argument checks: WC_Abstract_Order::set_status makes an unknown status "pending"
    assert items[1]["status"] == "pending" == woo.order(second)["status"]
    assert items[2]["status"] == "on-hold"
    assert items[3] == {"id": 999999, "error": {"code": "woocommerce_rest_shop_order_invalid_id",
                                                "message": "Invalid ID.", "data": {"status": 400}}}
    stats = woo.stats()
    assert stats["batch_calls"] == 1 and stats["batch_items"] == 4 and stats["write_calls"] == 1
    # a single update validates its arguments and refuses the same status
    single = client.put(f"orders/{second}", {"status": "no-such-status"})
    assert single.status_code == 400 and single.json()["code"] == "rest_invalid_param"
    woo.set_faults(batch_limit=3)
    too_big = client.post("orders/batch", {"update": [{"id": first}, {"id": second}, {"id": third}, {"id": 1}]})
    assert too_big.status_code == 413 and too_big.json()["code"] == "woocommerce_rest_request_entity_too_large"


def test_meta_update_by_unknown_id_replaces_the_key(woo: WooEmulator) -> None:
    client = api(woo)
    order = woo.orders()[0]["id"]
    added = client.put(f"orders/{order}", {"meta_data": [{"key": "k", "value": "1"}]}).json()
    first_id = next(m["id"] for m in added["meta_data"] if m["key"] == "k")
    # WC_Data::update_meta_data: an id it does not have → add_meta_data(key, value, unique) → a new entry
    stale = client.put(f"orders/{order}", {"meta_data": [{"id": 123456789, "key": "k", "value": "2"}]}).json()
    entries = [m for m in stale["meta_data"] if m["key"] == "k"]
    assert [m["value"] for m in entries] == ["2"] and entries[0]["id"] not in (first_id, 123456789)
    by_id = client.put(f"orders/{order}", {"meta_data": [{"id": entries[0]["id"], "key": "k", "value": "3"}]}).json()
    assert [(m["id"], m["value"]) for m in by_id["meta_data"] if m["key"] == "k"] == [(entries[0]["id"], "3")]
    gone = client.put(f"orders/{order}", {"meta_data": [{"key": "k", "value": None}]}).json()
    assert all(m["key"] != "k" for m in gone["meta_data"])


def test_variation_batch_updates_parent(woo_factory: Callable[..., WooEmulator]) -> None:
    woo = woo_factory(seed_products=200)
    client = api(woo)
    parent = client.get("products", params={"type": "variable"}).json()[0]
    updates = [{"id": vid, "stock_quantity": 0} for vid in parent["variations"]]
    result = client.post(f"products/{parent['id']}/variations/batch", {"update": updates})
    assert result.status_code == 200
    assert all(v["stock_status"] == "outofstock" for v in result.json()["update"])
    assert client.get(f"products/{parent['id']}").json()["stock_status"] == "outofstock"


def test_stats_count_writes_and_batch_items(woo: WooEmulator) -> None:
    woo.reset_stats()
    client = api(woo)
    client.get("products")
    client.post("products/batch", {"update": [{"id": 1, "stock_quantity": 2}, {"id": 2, "stock_quantity": 2}]})
    client.put("orders/" + str(woo.orders()[0]["id"]), {"customer_note": "x"})
    stats = woo.stats()
    assert stats["requests"] == 3 and stats["write_calls"] == 2 and stats["batch_items"] == 2
    assert stats["batch_calls"] == 1
    requests.post(f"{woo.url}/_emulator/reset_stats")
    assert requests.get(f"{woo.url}/_emulator/stats").json()["requests"] == 0


# --------------------------------------------------------------------------- orders


def test_seeded_orders_are_realistic_and_consistent(woo_factory: Callable[..., WooEmulator]) -> None:
    woo = woo_factory(seed_products=200, seed_orders=20)
    orders = woo.orders()
    assert len(orders) == 20
    assert {"pending", "on-hold", "processing", "completed", "cancelled"} <= {o["status"] for o in orders}
    assert {"CZK", "EUR"} <= {o["currency"] for o in orders}
    assert any(o["coupon_lines"] and o["coupon_lines"][0]["discount_type"] == "percent" for o in orders)
    assert any(o["coupon_lines"] and o["coupon_lines"][0]["discount_type"] == "fixed_cart" for o in orders)
    assert any(o["fee_lines"] for o in orders) and any(o["shipping_lines"][0]["total"] == "0.00" for o in orders)
    assert any(line["variation_id"] for o in orders for line in o["line_items"])
    assert any(line["sku"].startswith("NEZNAMY-") for o in orders for line in o["line_items"])
    assert any(m["key"] == "billing_ic" for o in orders for m in o["meta_data"])
    assert any(any(ord(ch) > 0xFFFF for ch in o["customer_note"]) for o in orders)  # an emoji
    for o in orders:
        assert o["prices_include_tax"] is True and o["number"] == str(o["id"])
        items = sum(Decimal(i["total"]) + Decimal(i["total_tax"]) for i in o["line_items"])
        ship = sum(Decimal(s["total"]) + Decimal(s["total_tax"]) for s in o["shipping_lines"])
        fees = sum(Decimal(f["total"]) + Decimal(f["total_tax"]) for f in o["fee_lines"])
        assert Decimal(o["total"]) == items + ship + fees
        taxes = sum(Decimal(t["tax_total"]) + Decimal(t["shipping_tax_total"]) for t in o["tax_lines"])
        assert Decimal(o["total_tax"]) == taxes == Decimal(o["cart_tax"]) + Decimal(o["shipping_tax"])
        for i in o["line_items"]:
            assert Decimal(i["total"]) == Decimal(i["total"]).quantize(Decimal("0.01"))
        assert (o["date_paid"] is not None) == (o["status"] in ("processing", "completed"))


def test_order_filters_and_tie_break(woo: WooEmulator) -> None:
    client = api(woo)
    ids = [o["id"] for o in woo.orders() if o["status"] in ("pending", "on-hold")]
    got = client.get("orders", params={"status": "pending,on-hold", "per_page": 100}).json()
    assert sorted(o["id"] for o in got) == sorted(ids)
    # Same modified second for two orders → ID breaks the tie, in the requested direction.
    first, second = sorted(ids)[:2]
    emu_now = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    woo.objects.clock._now = lambda: emu_now
    client.put(f"orders/{second}", {"customer_note": "a"})
    client.put(f"orders/{first}", {"customer_note": "b"})
    since = (emu_now - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    asc = client.get("orders", params={"modified_after": since, "dates_are_gmt": "true", "orderby": "modified",
                                       "order": "asc"}).json()
    assert [o["id"] for o in asc] == [first, second]
    searched = client.get("orders", params={"search": got[0]["billing"]["last_name"]}).json()
    assert got[0]["id"] in [o["id"] for o in searched]


def test_order_status_date_paid_and_set_paid_rules(woo: WooEmulator) -> None:
    client = api(woo)
    pending = next(o for o in woo.orders() if o["status"] == "pending")
    on_hold = next(o for o in woo.orders() if o["status"] == "on-hold")
    assert pending["date_paid"] is None
    ignored = client.put(f"orders/{on_hold['id']}", {"set_paid": True, "date_paid": "2020-01-01T00:00:00"}).json()
    assert ignored["status"] == "on-hold" and ignored["date_paid"] is None  # on-hold needs no payment
    paid = client.put(f"orders/{pending['id']}", {"set_paid": True, "transaction_id": "TX1"}).json()
    assert paid["status"] == "processing" and paid["date_paid_gmt"] and paid["transaction_id"] == "TX1"
    moved = client.put(f"orders/{on_hold['id']}", {"status": "completed"}).json()
    assert moved["date_paid_gmt"] and moved["date_completed_gmt"]
    notes = client.get(f"orders/{on_hold['id']}/notes").json()
    assert "Dokončeno" in notes[0]["note"]


def test_order_create_reduces_stock_and_computes_totals(woo: WooEmulator) -> None:
    client = api(woo)
    product = next(p for p in woo.products() if p["type"] == "simple" and p["manage_stock"] and p["tax_class"] == ""
                   and p["stock_quantity"] > 2 and not p["on_sale"])
    created = client.post("orders", {
        "line_items": [{"product_id": product["id"], "quantity": 2}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "PPL", "total": "100.00"}],
        "coupon_lines": [{"code": "SLEVA10"}], "set_paid": True,
        "billing": {"first_name": "Jiří", "last_name": "Šťastný", "email": "jiri@example.cz"},
    })
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "processing" and order["date_paid"]
    gross = Decimal(product["price"]) * 2
    line = order["line_items"][0]
    assert Decimal(line["subtotal"]) + Decimal(line["subtotal_tax"]) == gross
    assert Decimal(order["shipping_total"]) == Decimal("100.00") and Decimal(order["shipping_tax"]) == Decimal("21.00")
    assert Decimal(order["discount_total"]) > 0
    assert woo.product(product["id"])["stock_quantity"] == product["stock_quantity"] - 2
    client.put(f"orders/{order['id']}", {"status": "cancelled"})
    assert woo.product(product["id"])["stock_quantity"] == product["stock_quantity"]
    assert client.post("orders", {"coupon_lines": [{"code": "NEEXISTUJE"}]}).json()["code"] == \
        "woocommerce_rest_invalid_coupon"


def test_order_notes(woo: WooEmulator) -> None:
    client = api(woo)
    oid = woo.orders()[0]["id"]
    created = client.post(f"orders/{oid}/notes", {"note": "Převedeno do POHODY: OBP 123", "customer_note": False})
    assert created.status_code == 201
    note = created.json()
    assert note["note"].startswith("Převedeno") and note["customer_note"] is False and note["author"] == "system"
    listed = client.get(f"orders/{oid}/notes").json()
    assert listed[0]["id"] == note["id"]
    missing = client.post(f"orders/{oid}/notes", {})
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"
    assert client.get("orders/999999/notes").status_code == 404


def test_admin_add_order_and_set_status(woo: WooEmulator) -> None:
    sku = catalogue.generate(1, 60).products[0].sku
    order = woo.add_order([(sku, 1)], status="on-hold")
    assert order["status"] == "on-hold" and order["line_items"][0]["sku"] == sku
    changed = woo.set_order_status(order["id"], "processing")
    assert changed["date_paid"] and changed["date_modified_gmt"] > order["date_modified_gmt"]
    via_http = requests.post(f"{woo.url}/_emulator/orders", json={"lines": [[sku, 2]], "status": "pending"})
    assert via_http.status_code == 201
    oid = via_http.json()["id"]
    status = requests.post(f"{woo.url}/_emulator/orders/{oid}/status", json={"status": "completed"}).json()
    assert status["status"] == "completed" and woo.order(oid)["date_completed"]


# --------------------------------------------------------------------------- customers


def test_customers(woo: WooEmulator) -> None:
    client = api(woo)
    listed = client.get("customers", params={"per_page": 100})
    assert listed.status_code == 200 and int(listed.headers["X-WP-Total"]) == 50
    person = catalogue.people(1, 50)[0]
    by_email = client.get("customers", params={"email": person.email}).json()
    assert len(by_email) == 1 and by_email[0]["first_name"] == person.first_name
    assert {"billing_ic", "billing_dic"} <= {m["key"] for m in by_email[0]["meta_data"]}
    created = client.post("customers", {"email": "nova.zakaznice@example.cz", "first_name": "Věra",
                                        "billing": {"company": "Květinářství"}, "password": "tajne"})
    assert created.status_code == 201
    body = created.json()
    assert body["username"] == "nova.zakaznice" and "password" not in body and body["role"] == "customer"
    duplicate = client.post("customers", {"email": person.email})
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "registration-error-email-exists"
    assert client.post("customers", {"first_name": "Bez e-mailu"}).json()["code"] == "rest_missing_callback_param"
    taken = client.put(f"customers/{body['id']}", {"email": person.email})
    assert taken.status_code == 400 and taken.json()["code"] == "woocommerce_rest_customer_invalid_email"
    renamed = client.put(f"customers/{body['id']}", {"last_name": "Nová"}).json()
    assert renamed["last_name"] == "Nová" and renamed["billing"]["company"] == "Květinářství"
    missing = client.get("customers/99999")
    assert missing.status_code == 404 and missing.json()["code"] == "woocommerce_rest_invalid_id"
    assert client.get("customers", params={"search": "nova.zakaznice"}).json()[0]["id"] == body["id"]


# --------------------------------------------------------------------------- faults


def test_fault_rate_limit_and_server_error(woo: WooEmulator) -> None:
    woo.set_faults(rate_limit=2, retry_after=7)
    first = api(woo).get("products")
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert api(woo).get("products").status_code == 429
    assert api(woo).get("products").status_code == 200
    woo.set_faults(server_error=1)
    assert api(woo).get("orders").status_code == 500
    assert api(woo).get("orders").status_code == 200


def test_fault_html_page_latency_and_hang(woo: WooEmulator) -> None:
    woo.set_faults(html_page=True)
    page = api(woo).get("products")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "wp-login" in page.text
    woo.clear_faults()
    woo.set_faults(latency_ms=300)
    started = time.monotonic()
    assert api(woo).get("products").status_code == 200
    assert time.monotonic() - started >= 0.3
    woo.set_faults(latency_ms=0, hang=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(signed(wc(woo, "products")), timeout=0.5)
    woo.clear_faults()


def test_faults_over_http_admin(woo: WooEmulator) -> None:
    set_ = requests.post(f"{woo.url}/_emulator/faults", json={"server_error": 1, "batch_limit": 5})
    assert set_.json()["batch_limit"] == 5
    assert api(woo).get("products").status_code == 500
    assert requests.post(f"{woo.url}/_emulator/faults", json={"bogus": 1}).status_code == 400
    requests.post(f"{woo.url}/_emulator/faults/clear")
    assert requests.get(f"{woo.url}/_emulator/faults").json()["batch_limit"] == 100


def test_faults_at_start(woo_factory: Callable[..., WooEmulator]) -> None:
    emu = woo_factory(faults={"rate_limit": 1})
    assert api(emu).get("products").status_code == 429


# --------------------------------------------------------------------------- persistence, CLI, scale


def test_restart_keeps_state(tmp_path: Path) -> None:
    with WooEmulator(tmp_path / "shop", seed_products=60, seed_orders=3) as emu:
        api(emu).put("products/1", {"name": "Trvalé jméno"})
        count = len(emu.orders())
    with WooEmulator(tmp_path / "shop", seed_products=60, seed_orders=50) as again:
        assert again.product(1)["name"] == "Trvalé jméno"
        assert len(again.orders()) == count


def test_main_rejects_half_tls_pair(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--data", str(tmp_path), "--tls-cert", "x.pem"])


def test_large_catalogue_lists_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    with WooEmulator(tmp_path / "big", seed_products=20_000) as emu:
        seeded = time.monotonic() - started
        client = api(emu)
        t0 = time.monotonic()
        page = client.get("products", params={"per_page": 100, "page": 150, "orderby": "id", "order": "asc"})
        listed = time.monotonic() - t0
        assert page.status_code == 200 and len(page.json()) == 100
    assert seeded < 10 and listed < 2


def test_query_string_signing_with_php_style_arrays(woo: WooEmulator) -> None:
    url = wc(woo, "products")
    full = signed(url, params={"filter[period]": "week"})
    parsed = dict(parse_qsl(urlsplit(full).query))
    assert "filter[period]" in parsed
    assert requests.get(full).status_code == 200

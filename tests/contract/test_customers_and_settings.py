"""Contract: customers (roles, e-mail look-up, create) and the settings the connector reads."""

from __future__ import annotations

from tests.contract.sides import Side


def test_customers_without_role_are_shop_customers_only(side: Side) -> None:
    found = side.client().ok("GET", "customers", per_page="100")
    assert found
    assert {c["role"] for c in found} == {"customer"}


def test_role_all_includes_administrators_and_shop_managers(side: Side) -> None:
    roles = {c["role"] for c in side.client().ok("GET", "customers", role="all", per_page="100")}
    assert {"customer", "administrator", "shop_manager"} <= roles


def test_customer_by_email(side: Side) -> None:
    client = side.client()
    some = client.ok("GET", "customers", per_page="1")[0]
    found = client.ok("GET", "customers", email=some["email"], role="all")
    assert [c["id"] for c in found] == [some["id"]]


def test_create_customer_without_password(side: Side) -> None:
    answer = side.client().post("customers", {"email": "novy.zakaznik@example.cz", "first_name": "Jan",
                                              "last_name": "Nový", "billing": {"city": "Brno"}})
    assert answer.status_code == 201
    body = answer.json()
    assert body["role"] == "customer"
    assert body["username"]
    assert body["billing"]["city"] == "Brno"
    again = side.client().post("customers", {"email": "novy.zakaznik@example.cz"})
    assert again.status_code == 400
    assert again.json()["code"] == "registration-error-email-exists"


def test_index_names_the_time_zone(side: Side) -> None:
    index = side.client().session.get(side.site_url + "/wp-json/", timeout=60).json()
    assert index["timezone_string"] == "Europe/Prague"
    assert index["gmt_offset"] in (1, 2)
    assert "wc/v3" in index["namespaces"]


def test_settings_groups_the_connector_reads(side: Side) -> None:
    client = side.client()
    general = {s["id"]: s["value"] for s in client.ok("GET", "settings/general")}
    tax = {s["id"]: s["value"] for s in client.ok("GET", "settings/tax")}
    assert general["woocommerce_currency"] == "CZK"
    assert tax["woocommerce_prices_include_tax"] == "yes"

"""Contract: orders, ``modified_after``, meta, notes — in both real order storages."""

from __future__ import annotations

import time
from typing import Any

from tests.contract.sides import Side


def _first_order(side: Side) -> dict[str, Any]:
    [order] = side.client().ok("GET", "orders", per_page="1", orderby="id", order="asc")
    assert isinstance(order, dict)
    return order


def test_orders_list_with_status_any_and_modified_after(order_side: Side) -> None:
    client = order_side.client()
    every = client.ok("GET", "orders", status="any", per_page="100")
    assert len(every) == 11
    newest = max(o["date_modified_gmt"] for o in every)
    later = client.ok("GET", "orders", status="any", modified_after=newest, dates_are_gmt="true",
                      orderby="modified", order="asc")
    assert later == []
    oldest = min(o["date_modified_gmt"] for o in every)
    answer = client.get("orders", status="any", modified_after="2000-01-01T00:00:00", dates_are_gmt="true",
                        orderby="modified", order="asc", per_page="100")
    assert answer.status_code == 200
    stamps = [o["date_modified_gmt"] for o in answer.json()]
    assert stamps == sorted(stamps)
    assert stamps[0] == oldest


def test_dates_local_and_gmt(order_side: Side) -> None:
    order = _first_order(order_side)
    assert order["date_created"] != order["date_created_gmt"]  # Europe/Prague is never UTC
    assert len(order["date_created_gmt"]) == 19


def test_status_change_moves_date_modified(order_side: Side) -> None:
    client = order_side.client()
    order = _first_order(order_side)
    time.sleep(1.1)
    changed = client.ok("PUT", f"orders/{order['id']}", {"status": "on-hold"})
    assert changed["date_modified_gmt"] > order["date_modified_gmt"]


def test_meta_only_change_moves_date_modified_only_in_hpos(order_side: Side) -> None:
    """Real WooCommerce in the legacy posts storage does not touch ``post_modified`` for meta."""
    client = order_side.client()
    order = _first_order(order_side)
    time.sleep(1.1)
    client.ok("PUT", f"orders/{order['id']}", {"meta_data": [{"key": "_pohoda_export", "value": "1"}]})
    time.sleep(1.1)
    after = client.ok("PUT", f"orders/{order['id']}", {"billing": {"city": "Brno"}})
    assert {"key": "_pohoda_export", "value": "1"} in [
        {"key": m["key"], "value": m["value"]} for m in after["meta_data"]
    ]
    assert after["billing"]["city"] == "Brno"
    moved = after["date_modified_gmt"] > order["date_modified_gmt"]
    assert moved is (order_side.storage == "hpos")


def test_order_batch_update_sets_meta_and_status(order_side: Side) -> None:
    client = order_side.client()
    order = _first_order(order_side)
    answer = client.ok("POST", "orders/batch", {"update": [
        {"id": order["id"], "status": "completed", "meta_data": [{"key": "_pohoda_number", "value": "OBJ001"}]},
        {"id": 999999, "status": "completed"},
    ]})
    done, missing = answer["update"]
    assert done["status"] == "completed"
    assert "OBJ001" in [m["value"] for m in done["meta_data"] if m["key"] == "_pohoda_number"]
    assert missing["error"]["code"] == "woocommerce_rest_shop_order_invalid_id"


def test_notes_are_added_and_listed_newest_first(order_side: Side) -> None:
    client = order_side.client()
    order = _first_order(order_side)
    added = client.post(f"orders/{order['id']}/notes", {"note": "Přeneseno do POHODA", "customer_note": False})
    assert added.status_code == 201
    assert {"id", "note", "customer_note", "date_created", "date_created_gmt"} <= set(added.json())
    notes = client.ok("GET", f"orders/{order['id']}/notes")
    assert notes[0]["note"] == "Přeneseno do POHODA"
    assert notes[0]["customer_note"] is False


def test_find_by_include_and_search(order_side: Side) -> None:
    client = order_side.client()
    order = _first_order(order_side)
    found = client.ok("GET", "orders", include=str(order["id"]), status="any")
    assert [o["id"] for o in found] == [order["id"]]
    surname = order["billing"]["last_name"]
    searched = client.ok("GET", "orders", search=surname, status="any")
    assert order["id"] in [o["id"] for o in searched]

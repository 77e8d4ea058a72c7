"""Contract: authentication, permissions and error bodies, the same on the emulator and the real shop."""

from __future__ import annotations

import requests

from tests.contract.client import RestClient
from tests.contract.sides import Side


def test_oauth_over_http_is_accepted(side: Side) -> None:
    answer = side.client().get("products", per_page="1")
    assert answer.status_code == 200
    assert isinstance(answer.json(), list)


def test_basic_auth_over_plain_http_is_refused(side: Side) -> None:
    answer = requests.get(side.api_url + "products", auth=(side.ck, side.cs), timeout=60)
    assert answer.status_code == 401
    assert answer.json()["code"] == "woocommerce_rest_cannot_view"


def test_wrong_secret_is_an_invalid_signature(side: Side) -> None:
    answer = RestClient(side.api_url, side.ck, "cs_wrong").get("products")
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == "woocommerce_rest_authentication_error"
    assert body["message"] == "Invalid signature - provided signature does not match."
    assert body["data"] == {"status": 401}


def test_read_only_key_reads(side: Side) -> None:
    assert side.client(read_only=True).get("products", per_page="1").status_code == 200


def test_read_only_key_writing_gets_401_with_the_shops_message(side: Side) -> None:
    answer = side.client(read_only=True).post("products/batch", {})
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == "woocommerce_rest_authentication_error"
    assert body["message"] == "The API key provided does not have write permissions."


def test_empty_batch_is_a_harmless_write_check(side: Side) -> None:
    answer = side.client().post("products/batch", {})
    assert answer.status_code == 200
    assert answer.json() == []


def test_unknown_ids_are_404_with_the_resource_in_the_code(side: Side) -> None:
    client = side.client()
    for path, code in (("products/999999", "woocommerce_rest_product_invalid_id"),
                       ("orders/999999", "woocommerce_rest_shop_order_invalid_id")):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.json() == {"code": code, "message": "Invalid ID.", "data": {"status": 404}}


def test_per_page_over_100_is_invalid_param(side: Side) -> None:
    answer = side.client().get("products", per_page="101")
    assert answer.status_code == 400
    assert answer.json()["code"] == "rest_invalid_param"


def test_batch_over_100_items_is_413(side: Side) -> None:
    answer = side.client().post("products/batch", {"update": [{"id": 1}] * 101})
    assert answer.status_code == 413
    assert answer.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }

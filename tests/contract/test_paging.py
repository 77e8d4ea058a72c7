"""Contract: list paging (``X-WP-Total``, ``X-WP-TotalPages``, ``Link``)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.contract.sides import Side


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def test_totals_and_link_header(side: Side) -> None:
    answer = side.client().get("products", per_page="5", page="2")
    assert answer.status_code == 200
    total, pages = int(answer.headers["X-WP-Total"]), int(answer.headers["X-WP-TotalPages"])
    assert total > 10
    assert pages == -(-total // 5)
    assert len(answer.json()) == 5
    links = _links(answer.headers["Link"])
    assert set(links) == {"prev", "next"}
    query = parse_qs(urlsplit(links["next"]).query)
    assert query["page"] == ["3"]
    assert query["per_page"] == ["5"]
    assert urlsplit(links["next"]).path.endswith("/wp-json/wc/v3/products")


def test_link_carries_the_oauth_parameters_and_cannot_be_followed(side: Side) -> None:
    client = side.client()
    answer = client.get("products", per_page="5")
    nxt = _links(answer.headers["Link"])["next"]
    assert {"oauth_consumer_key", "oauth_nonce", "oauth_signature"} <= set(parse_qs(urlsplit(nxt).query))
    followed = client.session.get(nxt, timeout=60)
    assert followed.status_code == 401
    assert followed.json()["code"] == "woocommerce_rest_authentication_error"


def test_page_past_the_end_is_an_empty_list(side: Side) -> None:
    answer = side.client().get("products", per_page="5", page="99")
    assert answer.status_code == 200
    assert answer.json() == []
    assert int(answer.headers["X-WP-Total"]) > 0

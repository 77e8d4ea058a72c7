"""The "Test připojení" button and the connector's errors with a read-only key, on both shops.

A read-only key reads fine, so a test that only reads said "Spojení funguje" and every sync
then failed; the check now makes a harmless write and names the cause, quoting the shop.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapter.config import EshopSettings
from adapter.errors import EshopError, EshopForbidden
from adapter.eshop.base import EshopConnection, connect
from adapter.records import StockUpdate
from tests.contract.sides import Side
from tests.contract.test_connector import connector
from tests.test_web_settings import HX, connection_form


def _check(client: Any, side: Side, key: str, secret: str) -> str:
    fields = {"eshop.url": side.site_url, "eshop.consumer_key": key, "eshop.consumer_secret": secret}
    form = connection_form(**fields)  # type: ignore[no-untyped-call]
    html: str = client.post("/settings/test/eshop", data=form, headers=HX).get_data(as_text=True)
    return html


def test_read_write_key_passes_the_check(client: Any, side: Side) -> None:
    html = _check(client, side, side.ck, side.cs)
    assert "Spojení funguje" in html, html
    assert "čtení i zápis" in html


def test_read_only_key_fails_the_check_in_czech(client: Any, side: Side) -> None:
    html = _check(client, side, side.ro_ck, side.ro_cs)
    assert "Spojení funguje" not in html
    assert "jen oprávnění ke čtení" in html, html
    assert "HTTP 401" in html and "does not have write permissions" in html
    assert side.ro_cs not in html


def test_a_write_with_a_read_only_key_quotes_the_real_status(side: Side) -> None:
    shop = connector(side.__class__(**{**side.__dict__, "ck": side.ro_ck, "cs": side.ro_cs}))
    try:
        product = next(p for p in shop.iter_products() if p.sku == "DOM000003")
        with pytest.raises(EshopForbidden) as caught:
            shop.update_stock([StockUpdate(product.id, None, product.stock_quantity, sku=product.sku)])
    finally:
        shop.close()
    message = caught.value.message
    assert "HTTP 401" in message and "HTTP 403" not in message
    assert "The API key provided does not have write permissions." in message


def test_the_api_address_pasted_whole_is_accepted(side: Side) -> None:
    for pasted in (side.api_url, side.api_url.rstrip("/"), side.site_url + "/wp-json/"):
        shop = connect(EshopConnection(EshopSettings(url=pasted, consumer_key=side.ck, consumer_secret=side.cs),
                                       attempts=1))
        try:
            assert shop.info().currency == "CZK", pasted
        finally:
            shop.close()


def test_https_to_an_http_only_shop_names_the_real_cause(side: Side) -> None:
    shop = connect(EshopConnection(EshopSettings(url=side.site_url.replace("http://", "https://"),
                                                 consumer_key=side.ck, consumer_secret=side.cs), attempts=1))
    try:
        with pytest.raises(EshopError) as caught:
            shop.info()
    finally:
        shop.close()
    assert "nepoužívá HTTPS" in caught.value.message
    assert "http://" in caught.value.message
    assert "Certifikát" not in caught.value.message

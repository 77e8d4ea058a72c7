"""The e-shop interface: Protocol conformance and the ``connect`` factory."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter.config import OrdersSettings, settings_from_mapping
from adapter.errors import EshopRejected, SettingsError
from adapter.eshop.base import (
    PLATFORMS,
    Eshop,
    EshopConnection,
    EshopObjectNotFound,
    EshopPartialFailure,
    connect,
    ready_for_transfer,
)
from adapter.eshop.woocommerce import WooCommerce
from adapter.records import Address, Order, Product
from adapter.sync.connections import eshop_connection
from tests.eshop.helpers import connection


def _conn(**kw: Any) -> EshopConnection:
    base: dict[str, Any] = {"url": "https://shop.example.cz", "key": "ck_abc", "secret": "cs_def"}
    merged = {**base, **kw}
    if "consumer_secret" in merged:
        merged["secret"] = merged.pop("consumer_secret")
    return connection(merged.pop("url"), merged.pop("key"), merged.pop("secret"), **merged)


def test_woocommerce_satisfies_the_protocol() -> None:
    shop = connect(_conn())
    try:
        assert isinstance(shop, Eshop)
        assert isinstance(shop, WooCommerce)
        assert shop.platform == "woocommerce"
        assert shop.batch_size == 100
        assert shop.orders_sorted is True
    finally:
        shop.close()


def test_every_protocol_method_has_the_same_signature_in_woocommerce() -> None:
    protocol_methods = [
        name
        for name, member in vars(Eshop).items()
        if inspect.isfunction(member) and not name.startswith("_")
    ]
    assert len(protocol_methods) == 27
    for name in protocol_methods:
        expected = inspect.signature(getattr(Eshop, name))
        got = inspect.signature(getattr(WooCommerce, name))
        assert list(got.parameters) == list(expected.parameters), name
        for param in expected.parameters.values():
            assert got.parameters[param.name].kind == param.kind, (name, param.name)
            assert got.parameters[param.name].default == param.default, (name, param.name)


def test_protocol_speaks_no_woocommerce_words() -> None:
    source = inspect.getsource(Eshop).lower()
    for word in ("line_items", "wp-json", "woocommerce", "consumer", "variations/batch"):
        assert word not in source


def test_an_object_missing_a_method_is_not_an_eshop() -> None:
    class Half:
        platform = "x"
        label = "X"
        batch_size = 1
        orders_sorted = False

        def info(self) -> None: ...

    assert not isinstance(Half(), Eshop)


@pytest.mark.parametrize("platform", ["shoptet", "", "WooCommerce "])
def test_unknown_platform_is_a_czech_settings_error(platform: str) -> None:
    with pytest.raises(SettingsError, match="Neznámá platforma e-shopu"):
        connect(_conn(platform=platform))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"url": "shop.example.cz"}, "Adresa e-shopu"),
        ({"url": "ftp://shop.example.cz"}, "Adresa e-shopu"),
        ({"consumer_secret": " "}, "Chybí klíč"),
        ({"attempts": 0}, "alespoň 1"),
        ({"timeout_read": 0}, "Časové limity"),
        ({"transfer_statuses": (), "transfer_meta_key": ""}, "Zvolte stav"),
    ],
)
def test_bad_settings_are_reported_in_czech(changes: dict[str, object], fragment: str) -> None:
    conn = _conn(**changes)
    assert any(fragment in p for p in conn.problems())
    with pytest.raises(SettingsError, match=fragment):
        connect(conn)


def test_good_settings_have_no_problems() -> None:
    assert _conn().problems() == []
    assert (
        _conn(
            url="http://127.0.0.1:8080/shop/", transfer_statuses=(), transfer_meta_key="_to_pohoda"
        ).problems()
        == []
    )


def test_connection_repr_hides_the_keys_and_defaults_match_the_brief() -> None:
    conn = _conn()
    assert "ck_abc" not in repr(conn) and "cs_def" not in repr(conn)
    assert conn.orders.transfer_statuses == ("completed",)
    assert conn.payments.paid_status == "processing"
    assert conn.payments.awaiting_statuses == ("pending", "on-hold")
    assert conn.shop.verify_tls is True and conn.shop.query_string_auth is False
    assert conn.orders.transferred_status == "" and conn.orders.transfer_meta_key == ""


def test_the_connection_carries_the_settings_sections_themselves(tmp_path: Path) -> None:
    settings, errors = settings_from_mapping(tmp_path, {
        "eshop": {"url": "https://shop.example.cz", "consumer_key": "ck_abc", "consumer_secret": "cs_def",
                  "timeout": 30, "parallel_requests": 2},
        "orders": {"transfer_statuses": ["processing"], "overlap_minutes": 3},
        "payments": {"paid_status": "completed"},
    })
    assert errors == []
    conn = eshop_connection(settings)
    assert conn.shop is settings.eshop and conn.orders is settings.orders and conn.payments is settings.payments
    assert conn.timeout_read == 30.0 and conn.order_overlap_seconds == 180
    shop = connect(conn)
    try:
        assert shop.parallel_requests == 2
    finally:
        shop.close()


def test_parallel_requests_is_part_of_the_interface() -> None:
    assert "parallel_requests" in Eshop.__annotations__
    shop = connect(_conn(parallel_requests=3))
    try:
        assert shop.parallel_requests == 3
    finally:
        shop.close()
    assert any("1 až 16" in p for p in _conn(parallel_requests=17).problems())


def test_parallel_requests_defaults_to_four_from_the_real_shop_measurement(tmp_path: Path) -> None:
    """4 = the workers of the real shop's PHP server (php-fpm's stock pool has five); 8 overloaded it (see the
    comment at ``EshopSettings.parallel_requests``). A settings file without the key gets 4, and so does the
    connector, which is also the most requests the HTTP client keeps connections for without waiting."""
    from adapter.config import EshopSettings
    from adapter.eshop._http import POOL_SIZE

    assert EshopSettings().parallel_requests == 4
    settings, errors = settings_from_mapping(tmp_path, {"eshop": {"url": "https://shop.example.cz",
                                                                  "consumer_key": "ck_a", "consumer_secret": "cs_b"}})
    assert errors == []
    shop = connect(eshop_connection(settings))
    try:
        assert shop.parallel_requests == 4 <= POOL_SIZE
    finally:
        shop.close()


def _order(status: str, meta: tuple[tuple[str, str], ...] = ()) -> Order:
    when = datetime(2026, 1, 5, tzinfo=UTC)
    return Order(id=1, number="1", status=status, currency="CZK", created=when, modified=when, total=Decimal(0),
                 total_tax=Decimal(0), prices_include_tax=True, lines=(), billing=Address(), shipping=Address(),
                 meta=meta)


def test_ready_for_transfer_by_status_or_by_meta_flag() -> None:
    by_status = OrdersSettings(transfer_statuses=("completed", "processing"))
    assert ready_for_transfer(_order("processing"), by_status)
    assert not ready_for_transfer(_order("on-hold"), by_status)
    by_flag = OrdersSettings(transfer_meta_key="_to_pohoda")
    assert ready_for_transfer(_order("on-hold", (("_to_pohoda", "1"),)), by_flag)
    assert not ready_for_transfer(_order("completed", (("_to_pohoda", "no"),)), by_flag)
    assert not ready_for_transfer(_order("completed"), by_flag)


def test_tls_verify_value() -> None:
    assert _conn().tls_verify is True
    assert _conn(verify_tls=False).tls_verify is False
    assert _conn(ca_bundle="/tmp/ca.pem").tls_verify == "/tmp/ca.pem"


def test_connect_passes_the_sleep_function() -> None:
    naps: list[float] = []
    shop = connect(_conn(), sleep=naps.append)
    try:
        assert shop._http._sleep == naps.append  # type: ignore[attr-defined]
    finally:
        shop.close()


def test_platform_registry_points_at_real_classes() -> None:
    assert PLATFORMS["woocommerce"] == "adapter.eshop.woocommerce:WooCommerce"


def test_local_errors_are_eshop_rejections_with_czech_messages() -> None:
    assert issubclass(EshopObjectNotFound, EshopRejected)
    err = EshopPartialFailure(
        [Product(id=1, name="A", sku="A1")], {f"S{i}": "Invalid or duplicated SKU." for i in range(7)}
    )
    assert err.created[0].sku == "A1"
    assert len(err.failures) == 7
    assert "E-shop nepřijal 7 z 8 záznamů" in err.message
    assert "a dalších 2" in err.message

"""The e-shop interface: Protocol conformance and the ``connect`` factory."""

from __future__ import annotations

import inspect

import pytest

from adapter.errors import EshopRejected, SettingsError
from adapter.eshop.base import (
    PLATFORMS,
    Eshop,
    EshopConnection,
    EshopObjectNotFound,
    EshopPartialFailure,
    connect,
)
from adapter.eshop.woocommerce import WooCommerce
from adapter.records import Product


def _conn(**kw: object) -> EshopConnection:
    base: dict[str, object] = {
        "platform": "woocommerce",
        "url": "https://shop.example.cz",
        "consumer_key": "ck_abc",
        "consumer_secret": "cs_def",
    }
    return EshopConnection(**{**base, **kw})  # type: ignore[arg-type]


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
    assert len(protocol_methods) == 16
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
    assert conn.transfer_statuses == ("completed",)
    assert conn.paid_status == "processing"
    assert conn.awaiting_payment_statuses == ("pending", "on-hold")
    assert conn.verify_tls is True and conn.query_string_auth is False
    assert conn.transferred_status == "" and conn.transfer_meta_key == ""


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

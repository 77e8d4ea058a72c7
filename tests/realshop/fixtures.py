"""The real-shop fixtures, shared by ``tests/realshop/conftest.py`` and ``tests/contract/conftest.py``.

One shop per pytest session: the first test that asks for it builds it (about 15 s), every
later one gets the same object; it is stopped at session end (``pytest_sessionfinish``) and,
should pytest die first, at interpreter exit. When PHP or MariaDB is missing the tests skip
loudly with the reason, or fail when ``CI=true``. A build that failed fails every later test
at once with the same message instead of building again.
"""

from __future__ import annotations

import atexit
import os
import time

import pytest

from tests.realshop.shop import RealShop, ShopFailed, ShopUnavailable, start_shop

MARKER = "realshop: runs against a real WordPress + WooCommerce (PHP + MariaDB) on loopback"
_state: dict[str, object] = {}


def _acquire() -> RealShop:
    """The session's shop, built on first use."""
    if "shop" in _state:
        return _state["shop"]  # type: ignore[return-value]
    if "error" in _state:
        raise _state["error"]  # type: ignore[misc]
    started = time.monotonic()
    try:
        shop = start_shop()
    except (ShopUnavailable, ShopFailed) as exc:
        _state["error"] = exc
        raise
    shop.timings["build total"] = time.monotonic() - started
    _state["shop"] = shop
    _state["since"] = time.monotonic()
    atexit.register(shop.stop)
    return shop


def shop_or_skip() -> RealShop:
    """:func:`_acquire`, turning a missing tool into a loud skip (or a failure in CI)."""
    try:
        return _acquire()
    except ShopUnavailable as exc:
        reason = (
            f"REAL SHOP UNAVAILABLE ({exc}): install php8.2-cli, its extensions and mariadb-server "
            "(`python3 dev.py test` does it as root)"
        )
        if "dist" in str(exc):
            reason += "; the WordPress/WooCommerce tarballs belong in tests/realshop/dist (see its SOURCE.md)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    except ShopFailed as exc:
        pytest.fail(f"REAL SHOP FAILED TO START: {exc}", pytrace=False)


def stop_shop() -> None:
    """Stop the session's shop if one was built (idempotent); keep its costs for the summary."""
    shop = _state.pop("shop", None)
    if isinstance(shop, RealShop):
        used = time.monotonic() - float(_state.get("since", time.monotonic()))  # type: ignore[arg-type]
        build = ", ".join(f"{k} {v:.1f}s" for k, v in shop.timings.items() if k != "last reset")
        _state["summary"] = f"real shop: built in {build}; in use {used:.0f}s until stopped"
        shop.stop()


def summary_lines() -> list[str]:
    """What the real shop cost this session, once (several conftests ask)."""
    line = _state.pop("summary", None)
    return [str(line)] if line else []


@pytest.fixture(scope="session")
def real_shop() -> RealShop:
    """The real WordPress + WooCommerce of this session (state as the previous test left it)."""
    return shop_or_skip()


@pytest.fixture
def fresh_shop(real_shop: RealShop) -> RealShop:
    """The real shop restored to its seeded state (current order storage) before the test."""
    real_shop.reset()
    return real_shop


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def mark_items(items: list[pytest.Item]) -> None:
    """Add the ``realshop`` marker to every test that uses the real shop."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "real_shop" in names or "fresh_shop" in names:
            item.add_marker(pytest.mark.realshop)

"""Fixtures for the WooCommerce emulator (``adapter.emulators.woocommerce``).

* ``woo_factory(**kw)`` starts a ``WooEmulator`` whose data lives in the test's
  ``tmp_path``; every emulator it started is stopped at teardown. Keyword
  arguments go to the constructor (``key``, ``secret``, ``seed``,
  ``seed_products``, ``seed_orders``, ``tls_cert``, ``clock`` …); the started
  emulator has ``.url`` set.
* ``woo`` is a ready shop: plain HTTP (OAuth 1.0a), ``seed_products=60``,
  ``seed_orders=20``, key ``ck_test`` / secret ``cs_test``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter.emulators.woocommerce import WooEmulator


@pytest.fixture
def woo_factory(tmp_path: Path) -> Iterator[Callable[..., WooEmulator]]:
    """Build and start WooCommerce emulators in ``tmp_path``; stop them all afterwards."""
    started: list[WooEmulator] = []

    def make(**kw: Any) -> WooEmulator:
        data_dir = kw.pop("data_dir", None) or tmp_path / f"woo{len(started)}"
        host = kw.pop("host", "127.0.0.1")
        port = kw.pop("port", 0)
        emu = WooEmulator(Path(data_dir), **kw)
        emu.start(host=host, port=port)
        started.append(emu)
        return emu

    yield make
    for emu in reversed(started):
        emu.stop()


@pytest.fixture
def woo(woo_factory: Callable[..., WooEmulator]) -> WooEmulator:
    """A started, seeded shop (60 catalogue products, 20 orders) over plain HTTP."""
    return woo_factory(seed_products=60, seed_orders=20)

"""Fixtures of the real WordPress + WooCommerce shop (see ``tests/realshop/shop.py``).

* ``real_shop`` (session): a :class:`~tests.realshop.shop.RealShop` — ``site_url``,
  ``api_url``, ``ck``/``cs`` (read/write key), ``ro_ck``/``ro_cs`` (read-only key),
  ``admin_user``/``admin_password``, ``wp_root``, ``storage``, ``php(code)``, ``reset()``,
  ``set_storage(kind)``.
* ``fresh_shop``: ``real_shop`` after ``reset()``.

Tests using either carry the ``realshop`` marker (added automatically); without PHP and
MariaDB they skip loudly, or fail when ``CI=true``.
"""

from __future__ import annotations

import pytest

from tests.realshop import fixtures
from tests.realshop.fixtures import fresh_shop, real_shop

__all__ = ["fresh_shop", "real_shop"]


def pytest_configure(config: pytest.Config) -> None:
    fixtures.configure(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    fixtures.mark_items(items)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    fixtures.stop_shop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in fixtures.summary_lines():
        terminalreporter.write_line(line)

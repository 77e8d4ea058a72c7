"""Fixtures of the contract suite: every test runs against the emulator and the real shop.

``side`` gives the emulator and the real shop (posts storage); ``order_side`` adds the real
shop in the HPOS order storage. The real shop's fixtures and hooks are shared from
``tests/realshop/conftest.py`` (one shop per session).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.sides import Side, emulator_side, real_side
from tests.realshop.conftest import (
    fresh_shop,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_sessionfinish,
    pytest_terminal_summary,
    real_shop,
)
from tests.realshop.shop import RealShop

__all__ = [
    "fresh_shop",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "real_shop",
]


@pytest.fixture(params=["emulator", "real"])
def side(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Side]:
    """Each contract test runs once against the emulator and once against the real shop (posts storage)."""
    yield from _side(request, tmp_path, request.param)


@pytest.fixture(params=["emulator", "real-posts", "real-hpos"])
def order_side(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Side]:
    """Order contract tests run against the emulator and the real shop in both order storages."""
    yield from _side(request, tmp_path, request.param)


def _side(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Iterator[Side]:
    if kind == "emulator":
        found = emulator_side(tmp_path / "woo")
        try:
            yield found
        finally:
            assert found.emulator is not None
            found.emulator.stop()
        return
    shop: RealShop = request.getfixturevalue("real_shop")
    storage = kind.removeprefix("real-").replace("real", "posts")
    yield real_side(shop, storage)
    if storage != "posts":
        shop.set_storage("posts")  # later tests expect the default storage

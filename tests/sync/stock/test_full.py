"""The full run's reading of both sides onto disk: products handed over from their own thread, failures raised."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.errors import EshopError
from adapter.records import Product, StockCard
from adapter.sync.pairing.stream import ScratchPairing
from adapter.sync.stock import full


@pytest.fixture
def db(tmp_path: Path) -> Iterator[None]:
    ledger.init_db(tmp_path / "ledger.db")
    yield
    ledger.database.close()


class Shop:
    def __init__(self, n: int, fail_after: int | None = None) -> None:
        self.n, self.fail_after = n, fail_after

    def iter_products(self) -> Iterator[Product]:
        for i in range(1, self.n + 1):
            if self.fail_after is not None and i > self.fail_after:
                raise EshopError("e-shop neodpovídá")
            yield Product(id=i, name=f"p{i}", sku=f"S{i}")


def cards(n: int) -> Iterator[tuple[str, StockCard]]:
    for i in range(1, n + 1):
        yield "HL", StockCard(id=i, code=f"S{i}", name=f"c{i}")


def test_both_sides_arrive_whole(db: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(full, "QUEUE_BATCHES", 2)  # the shop's thread waits for the job's many times
    monkeypatch.setattr(full, "PRODUCT_BATCH", 7)
    done: list[bool] = []
    with ScratchPairing(case_sensitive=False, ean_fallback=False) as scratch:
        full.read_both(scratch, Shop(3_000), cards(2_500), after_cards=lambda: done.append(True))  # type: ignore[arg-type]
        statuses = [item.row.status for item in scratch.rows()]
    assert done == [True] and scratch.cards == 2_500 and scratch.products == 3_000
    assert statuses.count("paired") == 2_500 and statuses.count("eshop_only") == 500


def test_a_failing_shop_listing_fails_the_read(db: None) -> None:
    with ScratchPairing(case_sensitive=False, ean_fallback=False) as scratch, pytest.raises(EshopError):
        full.read_both(scratch, Shop(5_000, fail_after=1_200), cards(100))  # type: ignore[arg-type]


def test_a_failing_pohoda_listing_stops_the_shop_thread(db: None) -> None:
    def broken() -> Iterator[tuple[str, StockCard]]:
        yield from cards(1_500)
        raise RuntimeError("POHODA spadla")

    with ScratchPairing(case_sensitive=False, ean_fallback=False) as scratch, pytest.raises(RuntimeError):
        full.read_both(scratch, Shop(10_000_000), broken())  # type: ignore[arg-type]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(t.name == "stock-products" for t in threading.enumerate()):
        time.sleep(0.05)
    assert not any(t.name == "stock-products" for t in threading.enumerate())

"""Both emulators with a fresh ledger, for tests that run the real jobs in this process (room: systems).

* ``systems`` starts an mServer emulator and a shop seeded from the same catalogue (30 items) and opens
  a ledger in ``tmp_path / "adapter"``; the ledger is closed at teardown.
* :class:`SyncEnv` is the settings pointing at both, inline runs with the real connections and an order
  of a product that pairs to exactly one POHODA card; a test module subclasses it with what it adds
  (mail and alerts, the mapping screens).
  Its ``plugin_status`` moves an order into a status a shop plugin registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import EshopSettings, OrdersSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.emulators.woocommerce.setup_api import register_order_status
from adapter.sync.connections import default_connections
from adapter.sync.runner import JobRunner

CATALOGUE = 30


@dataclass(frozen=True)
class Systems:
    """The two started emulators and the data folder whose ledger is open."""

    ms: MServerEmulator
    woo: WooEmulator
    data_dir: Path


@pytest.fixture
def systems(tmp_path: Path, mserver_factory: Callable[..., MServerEmulator],
            woo_factory: Callable[..., WooEmulator]) -> Iterator[Systems]:
    """Both emulators seeded with the same 30-item catalogue and a fresh ledger."""
    data_dir = tmp_path / "adapter"
    ms = mserver_factory(seed_stock=CATALOGUE)
    woo = woo_factory(seed_products=CATALOGUE)
    ledger.init_db(data_dir / "ledger.db")
    yield Systems(ms, woo, data_dir)
    ledger.database.close()


class SyncEnv:
    """Settings pointing at both emulators (orders go over when completed), inline runs, paired orders.

    ``payment`` is the POHODA payment form the shop's ``bacs`` maps to; ``sections`` are further
    settings sections (``mail=…``, ``alerts=…``).
    """

    def __init__(self, systems: Systems, payment: str, **sections: Any) -> None:
        self.ms, self.woo, self.data_dir = systems.ms, systems.woo, systems.data_dir
        self.settings = Settings(
            data_dir=self.data_dir,
            pohoda=PohodaSettings(url=self.ms.url, user="admin", password="heslo", ico="12345678"),
            eshop=EshopSettings(url=self.woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
            orders=OrdersSettings(transfer_statuses=("completed",), payment_map={"bacs": payment},
                                  carrier_map={"flat_rate": "Zásilkovna"}),
            **sections,
        )

    def run(self, agenda: str = "orders") -> ledger.Run:
        """Run a job inline over the current settings; returns the finished run."""
        with ledger.database.connection_context():
            run, ran = JobRunner(lambda: self.settings, default_connections()).run_inline(agenda, "cli")
        assert ran
        return run

    def order(self, **fields: Any) -> dict[str, Any]:
        """A completed shop order of one simple, priced product that pairs to exactly one POHODA card."""
        codes = [c.code for c in self.ms.stock_cards()]
        sku = next(p["sku"] for p in self.woo.products()
                   if p["type"] == "simple" and p.get("price") and codes.count(p.get("sku") or "") == 1)
        return self.woo.add_order([(sku, 1)], status="completed", **fields)

    def plugin_status(self, order_id: int, slug: str = "awaiting-shipment") -> None:
        """What a shop plugin does: registers its status („Čeká na odeslání“) and moves an order into it."""
        store = self.woo.objects.store
        register_order_status(store, slug, "Čeká na odeslání")
        doc = store.get("orders", order_id)
        assert doc is not None
        store.put("orders", {**doc, "status": slug})

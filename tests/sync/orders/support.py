"""Shared set-up for the orders/invoices tests: both emulators, settings, the real runner.

No tests here. Test modules import the fixtures ``env_fixture`` and
``fast_sockets_fixture`` (registered as ``env`` / ``fast_sockets``) and the helpers;
used by ``test_sync_orders*.py``,
``test_sync_invoices.py``, ``test_web_orders.py`` and ``test_web_pohoda_pull.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import EshopSettings, InvoicesSettings, OrdersSettings, PohodaSettings, Settings
from adapter.emulators import mserver as mserver_module
from adapter.emulators import woocommerce as woo_module
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.sync.connections import default_connections
from adapter.sync.runner import JobRunner

ICO = "12345678"
CATALOGUE = 120


@dataclass
class Env:
    """Both emulators, the settings pointing at them and a runner using the real connections."""

    ms: MServerEmulator
    woo: WooEmulator
    settings: Settings
    data_dir: Path

    def runner(self) -> JobRunner:
        """A runner over the current settings."""
        return JobRunner(lambda: self.settings, default_connections())

    def run(self, agenda: str = "orders", **kw: Any) -> ledger.Run:
        """Run a job inline; returns the finished run."""
        run, ran = self.runner().run_inline(agenda, "cli", **kw)
        assert ran
        return run

    def with_orders(self, **changes: Any) -> None:
        """Change ``[orders]`` settings."""
        self.settings = replace(self.settings, orders=replace(self.settings.orders, **changes))

    def with_invoices(self, **changes: Any) -> None:
        """Change ``[invoices]`` settings."""
        self.settings = replace(self.settings, invoices=replace(self.settings.invoices, **changes))


def settings_for(data_dir: Path, ms_url: str, woo_url: str, **orders: Any) -> Settings:
    """Settings for the two emulators; orders go over at status completed, EUR at a fixed rate."""
    base = {"transfer_statuses": ("completed",), "currency_rates": {"EUR": "25.00"}, "batch_size": 50}
    return Settings(
        data_dir=data_dir,
        pohoda=PohodaSettings(url=ms_url, user="admin", password="heslo", ico=ICO, pull_user="pohoda",
                              pull_password="tajne-heslo"),
        eshop=EshopSettings(url=woo_url, consumer_key="ck_test", consumer_secret="cs_test"),
        orders=OrdersSettings(**{**base, **orders}),
        invoices=InvoicesSettings(enabled=True),
    )


@pytest.fixture(name="fast_sockets")
def fast_sockets_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """TCP_NODELAY on both emulators' handlers: without it every write request waits ~40 ms for a delayed ACK."""
    monkeypatch.setattr(mserver_module._Handler, "disable_nagle_algorithm", True, raising=False)
    monkeypatch.setattr(woo_module._Handler, "disable_nagle_algorithm", True, raising=False)


@pytest.fixture(name="env")
def env_fixture(tmp_path: Path, mserver_factory: Callable[..., MServerEmulator], woo_factory: Callable[..., WooEmulator],
        fast_sockets: None) -> Iterator[Env]:
    """Both emulators seeded from the same catalogue, a fresh ledger, settings pointing at them."""
    ms = mserver_factory(seed_stock=CATALOGUE)
    woo = woo_factory(seed_products=CATALOGUE)
    data_dir = tmp_path / "adapter"
    data_dir.mkdir()
    ledger.init_db(data_dir / "ledger.db")
    yield Env(ms=ms, woo=woo, settings=settings_for(data_dir, ms.url, woo.url), data_dir=data_dir)
    ledger.database.close()


# --------------------------------------------------------------------------- catalogue facts


def stock_codes(ms: MServerEmulator) -> dict[str, int]:
    """POHODA code → number of cards (warehouses) holding it."""
    out: dict[str, int] = {}
    for card in ms.stock_cards():
        out[card.code] = out.get(card.code, 0) + 1
    return out


def sku_pools(env: Env) -> dict[str, list[str]]:
    """Shop SKUs by what they pair to: single (one card), multi (several warehouses), unknown, variation."""
    codes = stock_codes(env.ms)
    pools: dict[str, list[str]] = {"single": [], "multi": [], "unknown": [], "variation": []}
    for p in env.woo.products():
        sku = p.get("sku") or ""
        if not sku or p["type"] == "variable" or not p.get("price"):
            continue
        if sku not in codes:
            pools["unknown"].append(sku)
        elif codes[sku] > 1:
            pools["multi"].append(sku)
        elif p["type"] == "variation":
            pools["variation"].append(sku)
        else:
            pools["single"].append(sku)
    return pools


NAMES = ["Žofie Nováková 😀", "Jiří Šťastný", "Ondřej Čermák 🚀", "Zdeňka Ťuková", "Пётр Иванов", "Łukasz Bąk"]


def add_mixed_orders(env: Env, count: int, seed: int = 7) -> dict[str, set[int]]:
    """Create ``count`` completed orders of every kind; returns order ids by expected outcome."""
    rng = random.Random(seed)
    pools = sku_pools(env)
    assert pools["single"] and pools["unknown"] and pools["variation"], pools
    out: dict[str, set[int]] = {"paired": set(), "unknown": set(), "multi": set(), "usd": set(), "eur": set()}
    for n in range(count):
        kind = ("unknown" if n % 7 == 3 else "multi" if (n % 23 == 5 and pools["multi"]) else
                "usd" if n % 29 == 11 else "paired")
        lines = [(rng.choice(pools["single"]), rng.randint(1, 4)) for _ in range(rng.randint(1, 4))]
        if n % 3 == 0:
            lines.append((rng.choice(pools["variation"]), rng.randint(1, 2)))
        if kind == "unknown":
            lines.append((rng.choice(pools["unknown"]), 1))
        if kind == "multi":
            lines.append((rng.choice(pools["multi"]), 1))
        lines = list({sku: (sku, q) for sku, q in lines}.values())
        name = NAMES[n % len(NAMES)]
        first, _, last = name.partition(" ")
        fields: dict[str, Any] = {"billing": {"first_name": first, "last_name": last, "email": f"k{n}@example.cz",
                                              "address_1": "Příčná 1", "city": "Úštěk", "postcode": "411 45",
                                              "country": "CZ", "company": "Pekárna Šťovík s.r.o." if n % 5 == 0 else ""},
                                  "customer_note": "Prosím zazvonit 🔔" if n % 4 == 0 else ""}
        if n % 5 == 1:
            fields["coupon_lines"] = [{"code": "sleva10"}]
        if n % 9 == 4:
            fields["coupon_lines"] = [{"code": "darkovy200"}]
        if n % 6 == 2:
            fields["shipping_lines"] = [{"method_id": "free_shipping", "method_title": "Doprava zdarma", "total": "0"}]
        if n % 8 == 6:
            fields["fee_lines"] = [{"name": "Příplatek za dobírku", "total": "32.23"}]
            fields["payment_method"], fields["payment_method_title"] = "cod", "Dobírka"
        if n % 10 == 3 and kind == "paired":
            fields["currency"] = "EUR"
            out["eur"].add(0)
        if kind == "usd":
            fields["currency"] = "USD"
        doc = env.woo.add_order(lines, status="completed", **fields)
        out[kind].add(doc["id"])
        if fields.get("currency") == "EUR":
            out["eur"].add(doc["id"])
    out["eur"].discard(0)
    return out


def shop_total(env: Env, order_id: int) -> Decimal:
    """The shop's order total."""
    return Decimal(env.woo.order(order_id)["total"])


def received_by_key(env: Env) -> dict[str, list[Any]]:
    """POHODA's received orders grouped by extId."""
    out: dict[str, list[Any]] = {}
    for o in env.ms.received_orders():
        out.setdefault(o.ext_id, []).append(o)
    return out


def seed_pairing(skus: list[str]) -> None:
    """A Pairing table as the pairing report leaves it (SKU = POHODA code)."""
    now = ledger.utcnow()
    with ledger.database.atomic():
        for sku in skus:
            ledger.Pairing.create(status="paired", sku=sku, pohoda_code=sku, matched_by="sku", updated_at=now)

"""Demo mode: both emulators in-process, seeded alike, and a configured throwaway data folder.

A new user sees every agenda work within a minute: the mServer emulator
holds the catalogue's stock cards, the WooCommerce emulator the matching
products and some orders (same seed, so SKUs equal POHODA codes except the
few the catalogue leaves unpaired on purpose).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomlkit

from adapter.config import SETTINGS_FILE

SEED = 1
STOCK_CARDS = 300
ORDERS = 40
ICO = "12345678"
MSERVER_USER, MSERVER_PASSWORD = "admin", "heslo"
SHOP_KEY, SHOP_SECRET = "ck_demo", "cs_demo"
PULL_USER, PULL_PASSWORD = "pohoda", "demo-pohoda"


@dataclass
class DemoInfo:
    """What demo mode started (shown in the DEMO badge and on the console)."""

    mserver_url: str = ""
    eshop_url: str = ""


@dataclass
class Demo:
    """What demo mode started; :meth:`stop` ends it and removes the folder."""

    root: Path
    data_dir: Path
    mserver: Any
    woo: Any
    info: DemoInfo
    sample_csv: Path | None = None

    def describe(self) -> str:
        """A few lines for the console."""
        return (
            "DEMO: ukázkový režim s emulátory (data se po ukončení smažou)\n"
            f"  POHODA mServer emulátor: {self.info.mserver_url} (IČO {ICO}, {STOCK_CARDS} zásob)\n"
            f"  WooCommerce emulátor:    {self.info.eshop_url} ({ORDERS} objednávek)\n"
            f"  datová složka:           {self.data_dir}"
            + (
                f"\n  ukázkový CSV export vydaných faktur z POHODY (nahrajte jej v Zaplacené objednávky):\n"
                f"                           {self.sample_csv}"
                if self.sample_csv
                else ""
            )
        )

    def stop(self) -> None:
        """Stop both emulators and delete the throwaway folder."""
        for emulator in (self.woo, self.mserver):
            # stopping must not hide the real exit reason
            with contextlib.suppress(Exception):
                emulator.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def demo_settings(mserver_url: str, eshop_url: str) -> dict[str, Any]:
    """settings.toml content for the emulators: every agenda on, credentials set."""
    return {
        "demo": True,
        "pohoda": {
            "url": mserver_url,
            "user": MSERVER_USER,
            "password": MSERVER_PASSWORD,
            "ico": ICO,
            "pull_user": PULL_USER,
            "pull_password": PULL_PASSWORD,
        },
        "eshop": {"platform": "woocommerce", "url": eshop_url, "consumer_key": SHOP_KEY, "consumer_secret": SHOP_SECRET},
        "orders": {"enabled": True, "transfer_statuses": ["processing", "completed"]},
        "invoices": {"enabled": True},
        "stock": {"enabled": True, "push_prices": True},
        "products": {"enabled": True, "storage": "Zboží", "price_type": "SK"},
        "customers": {"enabled": True, "to_eshop": True},
        "payments": {"enabled": True},
    }


def write_settings(data_dir: Path, values: dict[str, Any]) -> None:
    """Write a fresh settings.toml."""
    data_dir.mkdir(parents=True, exist_ok=True)
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Ukázkový režim (python app.py --demo): nastavení pro emulátory."))
    for key, value in values.items():
        doc[key] = value
    (data_dir / SETTINGS_FILE).write_text(tomlkit.dumps(doc), encoding="utf-8")


def start_demo(root: Path | None = None) -> Demo:
    """Start both emulators (same seed) and prepare the data folder."""
    from adapter.emulators.mserver import MServerEmulator
    from adapter.emulators.woocommerce import WooEmulator

    root = root or Path(tempfile.mkdtemp(prefix="pohoda-adapter-demo-"))
    mserver = MServerEmulator(root / "mserver", ico=ICO, user=MSERVER_USER, password=MSERVER_PASSWORD,
                              seed=SEED, seed_stock=STOCK_CARDS)
    woo = WooEmulator(root / "woocommerce", key=SHOP_KEY, secret=SHOP_SECRET, seed=SEED,
                      seed_products=STOCK_CARDS, seed_orders=ORDERS)
    mserver_url = mserver.start()
    try:
        eshop_url = woo.start()
    except BaseException:
        mserver.stop()
        raise
    data_dir = root / "data"
    write_settings(data_dir, demo_settings(mserver_url, eshop_url))
    sample = write_sample_payments_csv(root / "vydane-faktury-ukazka.csv", woo.orders())
    return Demo(root=root, data_dir=data_dir, mserver=mserver, woo=woo,
                info=DemoInfo(mserver_url=mserver_url, eshop_url=eshop_url), sample_csv=sample)


def write_sample_payments_csv(path: Path, orders: list[dict[str, Any]]) -> Path | None:
    """A POHODA-like CSV export of issued invoices for the shop's orders awaiting payment.

    Windows-1250, ``;``, decimal comma — as Czech Windows exports come. Two in
    three invoices are paid (``K likvidaci`` 0), the rest partly paid; one row
    names an order the shop does not know, and a "Celkem" line closes it, so
    the preview shows every kind of row.
    """
    waiting = [o for o in orders if o.get("status") in ("pending", "on-hold")]
    if not waiting:
        return None
    def czk(value: Decimal) -> str:
        return f"{value.quantize(Decimal('0.01'))}".replace(".", ",")

    lines = ["Číslo;Občj;Datum;Celkem;K likvidaci"]
    total = Decimal(0)
    for i, order in enumerate(waiting):
        amount = Decimal(str(order["total"]))
        left = Decimal(0) if i % 3 != 2 else amount / 2
        created = str(order["date_created"])
        lines.append(f"26FV{i + 1:05d};{order['number']};{created[8:10]}.{created[5:7]}.{created[:4]};"
                     f"{czk(amount)};{czk(left)}")
        total += amount
    lines.append(f"26FV{len(waiting) + 1:05d};999999;1.1.2026;100,00;0,00")
    lines.append(f";Celkem;;{czk(total)};")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1250"))
    return path

"""Demo mode: both emulators in-process, seeded alike, and a configured throwaway data folder.

A new user sees every agenda work within a minute: the mServer emulator
holds the catalogue's stock cards and a few address-book entries typed in by
the accountant, the WooCommerce emulator the matching products and some
orders (same seed, so SKUs equal POHODA codes except the few the catalogue
leaves unpaired on purpose). On top of the seed the demo adds what makes the
other agendas work (:func:`add_scenes`): an order from a Slovak consumer
(OSS), a refund of a completed order (a credit note), and a loopback
stand-in for ČNB's rate file (the EUR orders' rates). The bank-transfer
orders awaiting payment get advance invoices; the sample CSV export of them
carries the numbers POHODA gives them (:func:`write_sample_payments_csv`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomlkit

from adapter.config import SETTINGS_FILE
from adapter.emulators import catalogue

SEED = 1
STOCK_CARDS = 300
ORDERS = 40
ICO = "12345678"
MSERVER_USER, MSERVER_PASSWORD = "admin", "heslo"
SHOP_KEY, SHOP_SECRET = "ck_demo", "cs_demo"
PULL_USER, PULL_PASSWORD = "pohoda", "demo-pohoda"
ADDRESS_BOOK = 8  #: address-book entries typed into POHODA (they become shop customers)
TRANSFER_STATUSES = ("processing", "completed", "on-hold")  #: on-hold: bank transfers awaiting payment
ADVANCE_METHODS = ("bacs",)  #: paid in advance: these get an advance invoice (zálohová faktura)
INVOICE_REPORT = 1  #: the emulated company's print report "Faktura" (Tisk › vlastnosti sestavy)


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
    cnb: Any = None
    scenes: dict[str, int] | None = None  #: what :func:`add_scenes` added: scene → shop order id

    def describe(self) -> str:
        """A few lines for the console."""
        return (
            "DEMO: ukázkový režim s emulátory (data se po ukončení smažou)\n"
            f"  POHODA mServer emulátor: {self.info.mserver_url} (IČO {ICO}, {STOCK_CARDS} zásob)\n"
            f"  WooCommerce emulátor:    {self.info.eshop_url} ({ORDERS} objednávek)\n"
            f"  datová složka:           {self.data_dir}"
            + (
                "\n  ukázkový CSV export vydaných zálohových faktur z POHODY (nahrajte jej v Zaplacené "
                f"objednávky\n  po prvním přenosu objednávek a faktur): {self.sample_csv}"
                if self.sample_csv
                else ""
            )
        )

    def stop(self) -> None:
        """Stop the emulators and delete the throwaway folder."""
        for emulator in (self.woo, self.mserver, self.cnb):
            # stopping must not hide the real exit reason
            with contextlib.suppress(Exception):
                if emulator is not None:
                    emulator.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def demo_settings(mserver_url: str, eshop_url: str, cnb_url: str = "") -> dict[str, Any]:
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
        "orders": {
            "enabled": True,
            "transfer_statuses": list(TRANSFER_STATUSES),
            # forms of payment, carriers and the warehouse, as a real shop would set them
            "payment_map": {"cod": "dobírkou", "bacs": "příkazem", "gopay": "plat.kartou"},
            "carrier_map": {"flat_rate": "PPL", "free_shipping": "PPL", "local_pickup": "Osobní odběr"},
            "store": "HLAVNI",
        },
        "invoices": {"enabled": True},
        "stock": {"enabled": True, "push_prices": True},
        "products": {"enabled": True, "storage": "Zboží", "price_type": "SK"},
        "customers": {"enabled": True, "to_eshop": True},
        "payments": {"enabled": True},
        "states": {"enabled": True},
        # no SMTP server in the demo: the PDFs are kept (and listed) but not e-mailed
        "documents": {"enabled": True, "report": INVOICE_REPORT, "email_customer": False},
        "refunds": {"enabled": True},
        "vat": {"oss": True},
        # the rate of the EUR orders: ČNB's file (here its loopback stand-in), a fixed rate if it is unreachable
        "currency": {"source": "cnb", "fixed_rates": {"EUR": "25"}, **({"cnb_url": cnb_url} if cnb_url else {})},
        "advances": {"enabled": True, "payment_methods": list(ADVANCE_METHODS)},
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
    """Start the emulators (same seed), add the demo's scenes and prepare the data folder."""
    from adapter.emulators.cnb import CnbEmulator
    from adapter.emulators.mserver import MServerEmulator
    from adapter.emulators.woocommerce import WooEmulator

    root = root or Path(tempfile.mkdtemp(prefix="pohoda-adapter-demo-"))
    mserver = MServerEmulator(root / "mserver", ico=ICO, user=MSERVER_USER, password=MSERVER_PASSWORD,
                              seed=SEED, seed_stock=STOCK_CARDS)
    woo = WooEmulator(root / "woocommerce", key=SHOP_KEY, secret=SHOP_SECRET, seed=SEED,
                      seed_products=STOCK_CARDS, seed_orders=ORDERS)
    cnb = CnbEmulator()
    demo = Demo(root=root, data_dir=root / "data", mserver=mserver, woo=woo, info=DemoInfo(), cnb=cnb)
    try:
        demo.info = DemoInfo(mserver_url=mserver.start(), eshop_url=woo.start())
        cnb_url = cnb.start()
        move_some_stock(mserver)
        add_address_book(mserver)
        demo.scenes = add_scenes(woo)
        write_settings(demo.data_dir, demo_settings(demo.info.mserver_url, demo.info.eshop_url, cnb_url))
        codes = {c.code for c in catalogue.generate(SEED, STOCK_CARDS).cards}
        demo.sample_csv = write_sample_payments_csv(root / "vydane-zalohove-faktury-ukazka.csv",
                                                    awaiting_advance(woo.orders(), codes))
    except BaseException:
        demo.stop()
        raise
    return demo


def move_some_stock(mserver: Any, count: int = 12) -> list[str]:
    """Change a few quantities in POHODA after seeding, so the first stock run has something to move."""
    single: dict[str, Any] = {}
    several: set[str] = set()
    for card in mserver.stock_cards():
        if card.code in single:
            several.add(card.code)
        single.setdefault(card.code, card)
    codes = [code for code in single if code not in several][:count]
    for n, code in enumerate(codes):
        mserver.set_stock(code, single[code].count + 5 + n)
    return codes


def add_address_book(mserver: Any, count: int = ADDRESS_BOOK) -> list[int]:
    """Address-book entries the accountant typed into POHODA (``catalogue.address_book``): with an
    e-mail each, none a shop customer yet, so the first customers run creates them in the shop."""
    store = mserver.store
    return [
        store.insert("address", changed=store.stamp(), company=p.company, name=f"{p.first_name} {p.last_name}",
                     email=p.email, phone=p.phone, street=p.street, city=p.city, zip=p.zip.replace(" ", ""),
                     country="CZ", ico=p.ico, dic=p.dic)
        for p in catalogue.address_book(SEED, count)
    ]


def _plain_skus(woo: Any, count: int) -> list[str]:
    """SKUs of simple products whose card sits in one warehouse only (no warehouse question)."""
    cards = {c.code: c for c in catalogue.generate(SEED, STOCK_CARDS).cards if len(c.stores) == 1}
    docs = [woo.product(p.key) for p in catalogue.generate(SEED, STOCK_CARDS).products
            if p.kind == "simple" and p.role == "paired" and p.sku in cards]
    return [d["sku"] for d in docs if d.get("price") and d.get("stock_quantity", 0) > 5][:count]


def add_scenes(woo: Any) -> dict[str, int]:
    """What the seed lacks for this round's agendas: an OSS order and a refunded order (→ a credit note)."""
    skus = _plain_skus(woo, 3)
    slovak = {"first_name": "Ján", "last_name": "Kováč", "email": "jan.kovac@example.sk", "phone": "+421 902 123 456",
              "address_1": "Hlavná 12", "city": "Bratislava", "postcode": "811 01", "country": "SK"}
    oss = woo.add_order([(skus[0], 1), (skus[1], 2)], status="completed", currency="EUR", billing=slovak,
                        shipping={k: v for k, v in slovak.items() if k not in ("email", "phone")},
                        payment_method="gopay", payment_method_title="Platba kartou (GoPay)",
                        shipping_lines=[{"method_id": "flat_rate", "method_title": "PPL", "total": "4.90"}],
                        meta_data=[{"key": "_customer_ip_country", "value": "SK"}])
    refunded = woo.add_order([(skus[2], 2)], status="completed", payment_method="gopay",
                             payment_method_title="Platba kartou (GoPay)")
    line = refunded["line_items"][0]
    woo.add_refund(refunded["id"], amount=f"{Decimal(line['total']) + Decimal(line['total_tax']):.2f}",
                   reason="Zboží vráceno do 14 dnů", line_items=[
                       {"id": line["id"], "quantity": line["quantity"], "refund_total": line["total"],
                        "refund_tax": [{"id": t["id"], "refund_total": t["total"]} for t in line["taxes"]]}])
    return {"oss": int(oss["id"]), "refund": int(refunded["id"])}


def awaiting_advance(orders: Sequence[dict[str, Any]], codes: set[str]) -> list[dict[str, Any]]:
    """The orders that get an advance invoice in the first invoices run, in the order they get their numbers.

    Those the orders agenda transfers (a transfer status, every line's SKU one of POHODA's ``codes``) that
    are paid in advance and not paid yet, sorted as the invoices job sends them (last change, then id).
    """
    waiting = [o for o in orders if o.get("status") in TRANSFER_STATUSES and o.get("payment_method") in ADVANCE_METHODS
               and not o.get("date_paid") and all(li.get("sku") in codes for li in o.get("line_items", []))]
    return sorted(waiting, key=lambda o: (str(o.get("date_modified_gmt")), int(o["id"])))


def write_sample_payments_csv(path: Path, orders: Sequence[dict[str, Any]], *, year: int | None = None) -> Path | None:
    """A POHODA-like CSV export of the advance invoices of ``orders`` (those awaiting payment), numbered in turn.

    Given :func:`awaiting_advance`'s list, the numbers are the ones POHODA gives the advance invoices in the
    first invoices run (``ZF`` series of the year, in the order they are sent); the variable symbol is the
    order number's digits, as the adapter sends it. Windows-1250, ``;``, decimal comma — as Czech Windows
    exports come. Two in three invoices are paid (``K likvidaci`` 0), the rest partly paid, and a "Celkem"
    line closes it.
    """
    waiting = [o for o in orders if o.get("status") in ("pending", "on-hold")]
    if not waiting:
        return None

    def czk(value: Decimal) -> str:
        return f"{value.quantize(Decimal('0.01'))}".replace(".", ",")

    prefix = f"{(year or date.today().year) % 100:02d}ZF"
    lines = ["Číslo;Var.sym.;Občj;Datum;Celkem;K likvidaci"]
    total = Decimal(0)
    for i, order in enumerate(waiting):
        amount = Decimal(str(order["total"]))
        left = Decimal(0) if i % 3 != 2 else amount / 2
        created = str(order["date_created"])
        symbol = "".join(c for c in str(order["number"]) if c.isdigit())[-10:]
        lines.append(f"{prefix}{i + 1:05d};{symbol};{order['number']};"
                     f"{created[8:10]}.{created[5:7]}.{created[:4]};{czk(amount)};{czk(left)}")
        total += amount
    lines.append(f";;Celkem;;{czk(total)};")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1250"))
    return path

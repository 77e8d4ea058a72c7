"""Benchmark against a real WordPress 6.8 + WooCommerce 10.0 (PHP + MariaDB on loopback).

Builds the real shop of the test suite (``tests/realshop/shop.py``), seeds it with
``--products`` simple products (SKUs = the mServer emulator's card codes for ``--seed 1
--seed-stock N``) and ``--orders`` completed orders of five lines, and runs the agendas
against it and the mServer emulator (its own process): stock full and incremental, orders,
customers and states. Per run it separates the adapter's own time from waiting:

* **wall** — the run from start to end;
* **waiting** — the time at least one request to the shop or to POHODA was in flight
  (the union of the intervals spent inside the HTTP clients, so parallel requests count once);
* **own** — wall − waiting: what the adapter spends between requests (target ≤ 0.5 s);
* **CPU** — the adapter process's CPU time (the shop and POHODA are other processes).

A second table runs the stock full run (every product's quantity differs, so every product
is written) with ``[eshop] parallel_requests`` 1, 2, 4 and 8 on a freshly restored database.

Skips with one clear line when PHP, MariaDB or the release tarballs are missing.

    python -m bench.bench_realshop [--products 2000] [--orders 200] [--parallel 1,2,4,8]
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapter import ledger  # noqa: E402
from adapter.config import (  # noqa: E402
    CustomersSettings,
    EshopSettings,
    OrdersSettings,
    PohodaSettings,
    Settings,
    StatesSettings,
    StockSettings,
)
from adapter.emulators import catalogue  # noqa: E402
from adapter.eshop._http import JsonHttp  # noqa: E402
from adapter.pohoda.client import MServerClient  # noqa: E402
from adapter.sync.connections import default_connections  # noqa: E402
from adapter.sync.registry import job_class  # noqa: E402
from adapter.sync.runner import JobRunner, tune_threads  # noqa: E402
from bench.bench_orders import free_port, start  # noqa: E402

#: products and orders added to the shop's own seed (PHP, one process: WooCommerce's own objects)
SEED_PHP = r"""<?php
$rw_dir = %(wp)r;
require %(bootstrap)r;
wp_set_current_user( 1 );
add_filter( 'pre_wp_mail', '__return_true' );
wp_defer_term_counting( true );
global $wpdb;
$wpdb->query( 'START TRANSACTION' );
$codes = json_decode( file_get_contents( %(codes)r ), true );
$made = 0;
foreach ( $codes as $i => $code ) {
    if ( wc_get_product_id_by_sku( $code ) ) { continue; }
    $p = new WC_Product_Simple();
    $p->set_name( 'Zboží ' . $code ); $p->set_status( 'publish' );
    $p->set_regular_price( (string) ( 100 + $i %% 900 ) );
    $p->set_manage_stock( true ); $p->set_stock_quantity( 1000 + $i );
    $p->set_sku( $code ); $p->save(); $made++;
}
$ids = array();
foreach ( array_slice( $codes, 0, 400 ) as $code ) { $ids[] = wc_get_product_id_by_sku( $code ); }
for ( $n = 0; $n < %(orders)d; $n++ ) {
    $o = new WC_Order(); $o->set_created_via( 'checkout' ); $o->set_currency( 'CZK' );
    $o->set_prices_include_tax( true );
    foreach ( array( 'billing', 'shipping' ) as $t ) {
        $o->{"set_{$t}_first_name"}( 'Jiří' ); $o->{"set_{$t}_last_name"}( 'Dvořák ' . $n );
        $o->{"set_{$t}_address_1"}( 'Náměstí Míru ' . $n ); $o->{"set_{$t}_city"}( 'Třebíč' );
        $o->{"set_{$t}_postcode"}( '67401' ); $o->{"set_{$t}_country"}( 'CZ' );
    }
    $o->set_billing_email( "objednavka.$n@example.cz" ); $o->set_payment_method( 'bacs' );
    $o->set_payment_method_title( 'Bankovní převod' );
    for ( $l = 0; $l < 5; $l++ ) { $o->add_product( wc_get_product( $ids[ ( $n * 5 + $l ) %% count( $ids ) ] ), 1 + $l ); }
    $o->calculate_totals( true ); $o->save(); $o->set_status( 'completed' ); $o->save();
}
$wpdb->query( 'COMMIT' );
wp_defer_term_counting( false );
echo "products $made orders %(orders)d\n";
"""


# --------------------------------------------------------------------------- waiting time


@dataclass
class Waiting:
    """The union of the intervals with a request in flight, and the calls per side."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    since: float = 0.0
    seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=lambda: {"shop": 0, "pohoda": 0})

    def enter(self, side: str) -> None:
        with self.lock:
            self.calls[side] += 1
            if self.in_flight == 0:
                self.since = time.perf_counter()
            self.in_flight += 1

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1
            if self.in_flight == 0:
                self.seconds += time.perf_counter() - self.since

    def reset(self) -> None:
        with self.lock:
            self.seconds, self.calls = 0.0, {"shop": 0, "pohoda": 0}


def _timed(original: Callable[..., Any], waiting: Waiting, side: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        waiting.enter(side)
        try:
            return original(*args, **kwargs)
        finally:
            waiting.leave()

    return wrapper


@contextmanager
def measured() -> Iterator[Waiting]:
    """Count the time spent inside the shop's and POHODA's HTTP clients (the socket waits)."""
    waiting = Waiting()
    saved = JsonHttp._send, MServerClient._once
    JsonHttp._send = _timed(saved[0], waiting, "shop")  # type: ignore[method-assign]
    MServerClient._once = _timed(saved[1], waiting, "pohoda")  # type: ignore[method-assign]
    try:
        yield waiting
    finally:
        JsonHttp._send, MServerClient._once = saved  # type: ignore[method-assign]


# --------------------------------------------------------------------------- the shop


@dataclass
class Bench:
    """The running shop, POHODA emulator and the settings the runs start from."""

    shop: Any
    mserver: Any
    settings: Settings
    folder: Path


def seed_shop(shop: Any, folder: Path, products: int, orders: int) -> None:
    """Add ``products`` products (the mServer emulator's codes) and ``orders`` orders; dump as the seeded state."""
    codes = [card.code for card in catalogue.generate(1, products).cards]
    codes_file = folder / "codes.json"
    codes_file.write_text(json.dumps(codes), encoding="utf-8")
    from tests.realshop.shop import PHP_DIR

    script = folder / "seed.php"
    script.write_text(SEED_PHP % {"wp": str(shop.wp_root), "bootstrap": str(PHP_DIR / "bootstrap.php"),
                                  "codes": str(codes_file), "orders": orders}, encoding="utf-8")
    subprocess.run(["php", "-d", "memory_limit=1G", str(script)], env=shop._env(), check=True, timeout=3600,
                   stdout=subprocess.DEVNULL)
    shop._dump(shop.storage)


def settings_for(bench_folder: Path, shop: Any, mserver_url: str, parallel: int) -> Settings:
    """Every measured agenda on, the real shop over plain HTTP (OAuth 1.0a, as WooCommerce wants it)."""
    return Settings(
        data_dir=bench_folder,
        pohoda=PohodaSettings(url=mserver_url, user="admin", password="heslo", ico="12345678"),
        eshop=EshopSettings(url=shop.site_url, consumer_key=shop.ck, consumer_secret=shop.cs,
                            parallel_requests=parallel),
        orders=OrdersSettings(transfer_statuses=("completed",), batch_size=50),
        stock=replace(StockSettings(), enabled=True),
        customers=replace(CustomersSettings(), enabled=True),
        states=replace(StatesSettings(), enabled=True),
    )


@contextmanager
def running(products: int, orders: int) -> Iterator[Bench]:
    """The real shop (seeded) and the mServer emulator; everything stopped and removed afterwards."""
    from tests.realshop.shop import start_shop

    with tempfile.TemporaryDirectory(prefix="bench-realshop-") as tmp:
        folder = Path(tmp)
        shop = start_shop()
        mserver = None
        try:
            seed_shop(shop, folder, products, orders)
            port = free_port()
            mserver = start("mserver", ["--data", str(folder / "mserver"), "--seed-stock", str(products)], port)
            settings = settings_for(folder / "data", shop, f"http://127.0.0.1:{port}", 4)
            yield Bench(shop, mserver, settings, folder)
        finally:
            if mserver is not None:
                mserver.terminate()
                mserver.wait(10)
            shop.stop()


# --------------------------------------------------------------------------- runs


def one_run(settings: Settings, agenda: str, waiting: Waiting, *, full: bool = False) -> dict[str, Any]:
    """One agenda run: wall, waiting, own time, CPU, calls per side, the run's status."""
    runner = JobRunner(lambda: settings, default_connections())
    waiting.reset()
    started, cpu = time.perf_counter(), time.process_time()
    run, _ = runner.run_inline(agenda, "cli", full=full)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"wall": wall, "waiting": waiting.seconds, "own": wall - waiting.seconds, "cpu": cpu,
            "shop": waiting.calls["shop"], "pohoda": waiting.calls["pohoda"], "status": run.status,
            "ok": run.ok_count, "message": run.message}


AGENDAS: tuple[tuple[str, str, bool], ...] = (
    ("stock, full (first run)", "stock", True),
    ("stock, incremental (nothing new)", "stock", False),
    ("orders", "orders", False),
    ("orders, again (nothing new)", "orders", False),
    ("customers", "customers", False),
    ("states", "states", False),
)


def warm_imports() -> None:
    """Import every agenda's modules first: a long-running app pays that once, not per run."""
    for module in ("adapter.sync.lookups", "adapter.pohoda.orders"):  # the pairing look-ups import these on first use
        importlib.import_module(module)
    for agenda in {agenda for _label, agenda, _full in AGENDAS}:
        job_class(agenda)


def agendas(bench: Bench) -> list[tuple[str, dict[str, Any]]]:
    """Every agenda once (in the order a day would run them) on a fresh ledger."""
    warm_imports()
    bench.shop.reset()
    data = bench.folder / "agendas"
    data.mkdir()
    settings = replace(bench.settings, data_dir=data)
    ledger.init_db(data / "ledger.db")
    out: list[tuple[str, dict[str, Any]]] = []
    try:
        with measured() as waiting, ledger.database.connection_context():
            for label, agenda, full in AGENDAS:
                out.append((label, one_run(settings, agenda, waiting, full=full)))
    finally:
        ledger.database.close()
    return out


def parallel_table(bench: Bench, levels: list[int]) -> list[tuple[int, dict[str, Any]]]:
    """The stock full run (every product written) per ``parallel_requests`` level, each on the restored shop."""
    out: list[tuple[int, dict[str, Any]]] = []
    for level in levels:
        bench.shop.reset()
        data = bench.folder / f"parallel-{level}"
        data.mkdir()
        settings = replace(bench.settings, data_dir=data,
                           eshop=replace(bench.settings.eshop, parallel_requests=level))
        ledger.init_db(data / "ledger.db")
        try:
            with measured() as waiting, ledger.database.connection_context():
                out.append((level, one_run(settings, "stock", waiting, full=True)))
        finally:
            ledger.database.close()
    return out


# --------------------------------------------------------------------------- report


def _unavailable() -> str:
    from tests.realshop.shop import missing_tools

    missing = missing_tools()
    return f"real shop unavailable, skipped (missing: {', '.join(missing)})" if missing else ""


def _line(label: str, run: dict[str, Any]) -> str:
    return (f"{label:<36} wall {run['wall']:6.2f} s  waiting {run['waiting']:6.2f} s  own {run['own']:5.2f} s  "
            f"CPU {run['cpu']:5.2f} s  shop {run['shop']:4d}  POHODA {run['pohoda']:3d}  {run['status']} ok={run['ok']}")


def measure(products: int, orders: int, levels: list[int]) -> tuple[list[tuple[str, dict[str, Any]]],
                                                                     list[tuple[int, dict[str, Any]]]]:
    """Build and seed the shop, run the agendas, then the parallel table; the shop is gone afterwards."""
    tune_threads()
    with running(products, orders) as bench:
        runs = agendas(bench)
        table = parallel_table(bench, levels)
    return runs, table


def main(argv: list[str] | None = None) -> int:
    """Print the agendas' figures and the parallel table."""
    parser = argparse.ArgumentParser(description="The adapter against a real WooCommerce on loopback")
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--parallel", default="1,2,4,8")
    args = parser.parse_args(argv)
    why = _unavailable()
    if why:
        print(why)
        return 0
    levels = [int(n) for n in args.parallel.split(",") if n.strip()]
    runs, table = measure(args.products, args.orders, levels)
    for label, run in runs:
        print(_line(label, run))
    print("\nstock full run (every product written) by [eshop] parallel_requests:")
    for level, run in table:
        print(_line(f"parallel_requests = {level}", run))
    return 0


def collect(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``: each agenda's own time (target ≤ 0.5 s) and the parallel table."""
    why = _unavailable()
    if why:
        return [{"name": "realshop: skipped", "seconds": None, "peak_rss_mb": None, "pohoda_requests": None,
                 "shop_requests": None, "ratio": None, "ratio_of": "", "target": "", "ok": None, "note": why}]
    products, orders = (300, 30) if quick else (2000, 200)
    runs, table = measure(products, orders, [1, 4] if quick else [1, 2, 4, 8])
    rows: list[dict[str, Any]] = []
    for label, run in runs:
        rows.append({"name": f"realshop {products:,}/{orders:,}: {label}", "seconds": run["wall"],
                     "peak_rss_mb": None, "pohoda_requests": run["pohoda"], "shop_requests": run["shop"],
                     "ratio": None, "ratio_of": "", "target": "own ≤ 0.5 s", "ok": run["own"] <= 0.5,
                     "note": f"own {run['own']:.2f} s (wall − time with a request in flight {run['waiting']:.2f} s), "
                             f"adapter CPU {run['cpu']:.2f} s, status {run['status']}, ok {run['ok']:,}"})
    for level, run in table:
        rows.append({"name": f"realshop: stock full, parallel_requests {level}", "seconds": run["wall"],
                     "peak_rss_mb": None, "pohoda_requests": run["pohoda"], "shop_requests": run["shop"],
                     "ratio": table[0][1]["wall"] / run["wall"] if run["wall"] else None,
                     "ratio_of": "speed-up over 1", "target": "", "ok": None,
                     "note": f"own {run['own']:.2f} s, adapter CPU {run['cpu']:.2f} s, status {run['status']}"})
    return rows


if __name__ == "__main__":
    raise SystemExit(main())

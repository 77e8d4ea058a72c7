"""Benchmark: 1,000 orders × 5 lines from the WooCommerce emulator into the mServer emulator.

Two runs of the real orders job (real connections over loopback sockets):

1. latency off — target ≤ 20 s wall time;
2. emulated mServer latency of 50 ms per request plus 2 ms per item — the
   wall time is compared with the sum of those latencies (requests × 50 ms +
   items × 2 ms, counted by the emulator); target within 1.3×.

The emulators run in their own processes (as POHODA and WordPress would), so
their work does not compete with the adapter for this process's GIL. Their
request handlers get TCP_NODELAY (``disable_nagle_algorithm``): without it
every HTTP write waits ~40 ms for a delayed ACK, an artefact of Python's
``http.server`` that real POHODA and WordPress do not have.

Besides the emulated latency the emulator itself needs time per pack (XSD
validation, SQLite); run 1 measures that floor ("POHODA work"), so run 2 is
also reported against latency + that floor.

    python bench/bench_orders.py [--orders 1000] [--lines 5]
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapter import ledger  # noqa: E402
from adapter.config import EshopSettings, OrdersSettings, PohodaSettings, Settings  # noqa: E402
from adapter.emulators import catalogue  # noqa: E402
from adapter.sync.connections import default_connections  # noqa: E402
from adapter.sync.runner import JobRunner  # noqa: E402

CATALOGUE = 600
LAUNCH = ("import sys, adapter.emulators.{mod} as m; m._Handler.disable_nagle_algorithm = True; "
          "sys.exit(m.main(sys.argv[1:]))")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(mod: str, args: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start an emulator process and wait until it answers."""
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH.format(mod=mod), "--port", str(port), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"emulator {mod} did not start")


def admin(url: str, path: str, payload: Any = None) -> Any:
    """Call an emulator's /_emulator/ admin API."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(f"{url}/_emulator/{path}", data=data, method="POST" if data else "GET",  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 — loopback only
        return json.loads(response.read())


def single_skus() -> list[str]:
    """Shop SKUs that pair to exactly one POHODA card in the seeded catalogue."""
    cat = catalogue.generate(1, CATALOGUE)
    cards = {c.code: len(c.stores) for c in cat.cards}
    return [p.sku for p in cat.products if p.sku and p.kind != "variable" and cards.get(p.sku) == 1]


def one_run(folder: Path, woo_url: str, faults: dict[str, int]) -> dict[str, Any]:
    """A fresh POHODA (emulator process) and ledger, one orders run; returns the figures."""
    folder.mkdir(parents=True)
    port = free_port()
    args = ["--data", str(folder / "mserver"), "--seed-stock", str(CATALOGUE)]
    args += [f"--fault={k}={v}" for k, v in faults.items()]
    ms = start("mserver", args, port)
    url = f"http://127.0.0.1:{port}"
    try:
        ledger.init_db(folder / "ledger.db")
        settings = Settings(
            data_dir=folder,
            pohoda=PohodaSettings(url=url, user="admin", password="heslo", ico="12345678"),
            eshop=EshopSettings(url=woo_url, consumer_key="ck_test", consumer_secret="cs_test"),
            orders=OrdersSettings(transfer_statuses=("completed",), batch_size=50),
        )
        runner = JobRunner(lambda: settings, default_connections())
        with ledger.database.connection_context():
            started = time.perf_counter()
            run, _ = runner.run_inline("orders", "cli")
            wall = time.perf_counter() - started
        stats = admin(url, "stats")
        orders = len(admin(url, "orders"))
        latency = (stats["requests"] * faults.get("latency_ms", 0) + stats["items"]
                   * faults.get("latency_per_item_ms", 0)) / 1000
        return {"wall": wall, "orders": orders, "requests": stats["requests"], "items": stats["items"],
                "latency": latency, "status": run.status, "message": run.message,
                "eshop_requests": run.eshop_requests}
    finally:
        ms.terminate()
        ms.wait(10)
        ledger.database.close()


def main(argv: list[str] | None = None) -> int:
    """Run both scenarios and print the figures."""
    parser = argparse.ArgumentParser(description="1,000 orders × 5 lines into the mServer emulator")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        base = Path(tmp)
        port = free_port()
        woo = start("woocommerce", ["--data", str(base / "woo"), "--seed-products", str(CATALOGUE)], port)
        woo_url = f"http://127.0.0.1:{port}"
        try:
            skus = single_skus()
            rng = random.Random(42)
            began = time.perf_counter()
            for n in range(args.orders):
                payload: dict[str, Any] = {"lines": [[s, rng.randint(1, 4)] for s in rng.sample(skus, args.lines)],
                                           "status": "completed"}
                if n % 5 == 0:
                    payload["coupon_lines"] = [{"code": "sleva10"}]
                admin(woo_url, "orders", payload)
            print(f"Set-up: {args.orders} orders × {args.lines} lines in the shop emulator "
                  f"({time.perf_counter() - began:.1f} s; {len(skus)} paired SKUs to draw from)")
            fast = one_run(base / "run-fast", woo_url, {})
            print(f"1) latency off: {fast['orders']} orders in POHODA in {fast['wall']:.2f} s "
                  f"({fast['orders'] / fast['wall']:.0f} orders/s; {fast['requests']} mServer requests, "
                  f"{fast['items']} items, {fast['eshop_requests']} counted shop calls + 3 per order marking); "
                  f"run {fast['status']} — target ≤ 20 s")
            slow = one_run(base / "run-slow", woo_url, {"latency_ms": 50, "latency_per_item_ms": 2})
            ratio = slow["wall"] / slow["latency"] if slow["latency"] else float("nan")
            print(f"2) 50 ms/request + 2 ms/item: {slow['orders']} orders in {slow['wall']:.2f} s; sum of emulated "
                  f"latencies {slow['latency']:.2f} s ({slow['requests']} requests, {slow['items']} items) → "
                  f"{ratio:.2f}× — target ≤ 1.3×; run {slow['status']}")
            extra = slow["wall"] - fast["wall"]
            print(f"   the latency added {extra:.2f} s to the wall time for {slow['latency']:.2f} s of emulated "
                  f"latency ({extra / slow['latency']:.2f}×): the rest of the wall time is run 1 (the emulator's own "
                  "work plus the adapter's)")
        finally:
            woo.terminate()
            woo.wait(10)
    return 0


def collect(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``: latency off (target ≤ 20 s) and 50 ms + 2 ms/item (≤ 1.3× the floor)."""
    orders, lines = (100, 5) if quick else (1000, 5)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        base = Path(tmp)
        port = free_port()
        woo = start("woocommerce", ["--data", str(base / "woo"), "--seed-products", str(CATALOGUE)], port)
        woo_url = f"http://127.0.0.1:{port}"
        try:
            skus = single_skus()
            rng = random.Random(42)
            for n in range(orders):
                payload: dict[str, Any] = {"lines": [[s, rng.randint(1, 4)] for s in rng.sample(skus, lines)],
                                           "status": "completed"}
                if n % 5 == 0:
                    payload["coupon_lines"] = [{"code": "sleva10"}]
                admin(woo_url, "orders", payload)
            admin(woo_url, "reset_stats", {})
            fast = one_run(base / "run-fast", woo_url, {})
            fast_shop = admin(woo_url, "stats")["requests"]
            rows.append({"name": f"orders {orders:,} × {lines} lines, latency off", "seconds": fast["wall"],
                         "peak_rss_mb": None, "pohoda_requests": fast["requests"],
                         "shop_requests": fast_shop, "ratio": None, "ratio_of": "",
                         "target": "≤ 20 s, all in POHODA",
                         "ok": fast["wall"] <= 20 and fast["orders"] == orders and fast["status"] == "ok",
                         "note": f"{fast['orders']:,} orders in POHODA, {fast['items']:,} mServer items, "
                                 f"run {fast['status']}; shop requests as the shop emulator counted them"})
            admin(woo_url, "reset_stats", {})
            slow = one_run(base / "run-slow", woo_url, {"latency_ms": 50, "latency_per_item_ms": 2})
            slow_shop = admin(woo_url, "stats")["requests"]
            ratio = slow["wall"] / slow["latency"] if slow["latency"] else None
            rows.append({"name": f"orders {orders:,} × {lines} lines, 50 ms/request + 2 ms/item",
                         "seconds": slow["wall"], "peak_rss_mb": None, "pohoda_requests": slow["requests"],
                         "shop_requests": slow_shop, "ratio": ratio, "ratio_of": "latency floor",
                         "target": "≤ 1.3× floor",
                         "ok": ratio is not None and ratio <= 1.3 and slow["orders"] == orders,
                         "note": f"floor = {slow['requests']} requests × 50 ms + {slow['items']:,} items × 2 ms = "
                                 f"{slow['latency']:.2f} s; the latency added {slow['wall'] - fast['wall']:.2f} s "
                                 f"to run 1 (whose shop orders it finds marked already: one shop call per order instead of "
                                 f"three); run {slow['status']}"})
        finally:
            woo.terminate()
            woo.wait(10)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())

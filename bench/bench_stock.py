"""Benchmark of the stock job: 100,000 (and 500,000) POHODA cards and as many shop SKUs.

Both emulators run in their own processes; every job run is a separate
process too, so its peak RSS (``VmHWM``) and CPU time are the job's alone.
Figures per catalogue size (``POHODA_BENCH_STOCK_SIZES``, default 100,000
and 500,000):

1. full first run with no latency (every quantity differs: pushes ~all);
   target: adapter CPU ≤ 20 s per 100,000 cards, peak RSS ≤ 150 MB;
2. the incremental run right after it: the shop lists every product the full run wrote as
   modified (wall, adapter CPU, peak RSS; target ≤ 150 MB, no POHODA re-read, no writes);
3. a run with nothing changed (target ≤ 0.5 s, zero shop write calls);

and at the first size also 37 changed cards, and 1,000 changed quantities
with 150 ms shop latency: wall time versus write calls × latency (target
≤ 1.1×). The temporary data of each size is removed afterwards.

Run: ``python bench/bench_stock.py [size]``. Prints figures, asserts nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOB = """
import json, sys, time
from pathlib import Path
from adapter import ledger
from adapter.config import EshopSettings, PohodaSettings, Settings, StockSettings
from adapter.sync.connections import DefaultConnections
from adapter.sync.runner import JobRunner
cfg = json.loads(sys.argv[1])
s = Settings(data_dir=Path(cfg["data"]), pohoda=PohodaSettings(url=cfg["m"], user="admin", password="heslo", ico="12345678"),
             eshop=EshopSettings(url=cfg["w"], consumer_key="ck_test", consumer_secret="cs_test"),
             stock=StockSettings(overlap_minutes=0, page_size=5000))
ledger.init_db(Path(cfg["data"]) / "ledger.db")
t = time.perf_counter()
run, _ = JobRunner(lambda: s, DefaultConnections()).run_inline("stock", "cli", full=cfg["full"])
wall = time.perf_counter() - t
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent (the bench holds a big catalogue)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wall": wall, "cpu": time.process_time(), "rss_mb": hwm / 1024,
                  "status": run.status, "message": run.message, "ok": run.ok_count, "report": run.report_dict()}))
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 — loopback only
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def _admin(url: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url + "/_emulator/" + path, data=data, method="POST" if data is not None else "GET",  # noqa: S310
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 — loopback only
        return json.loads(response.read())


def _job(cfg: dict[str, Any], *, full: bool) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", JOB, json.dumps({**cfg, "full": full})], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _prepare_mserver(folder: Path, size: int) -> None:
    """Seed POHODA's database and make every quantity differ from the shop's (so the first run pushes all)."""
    from adapter.emulators.mserver import MServerEmulator

    emu = MServerEmulator(folder, seed_stock=size)
    with emu.store.transaction() as conn:
        conn.execute("UPDATE stock SET count = CAST(count AS INTEGER) + 1")
    emu.store.close()


def _change_quantities(folder: Path, codes: list[str]) -> None:
    """Change quantities as POHODA users would, straight in the emulator's database (WAL, another process).

    The emulator's admin ``stock`` call re-reads every card per call, which
    at 100,000 cards costs seconds per change; one UPDATE with a fresh
    ``changed`` stamp is what ``set_stock`` does, for all codes at once.
    """
    import sqlite3
    from datetime import datetime

    conn = sqlite3.connect(str(folder / "mserver.sqlite3"), timeout=30)
    stamp = datetime.now().isoformat(timespec="microseconds")
    with conn:
        conn.executemany("UPDATE stock SET count = ?, changed = ? WHERE code = ?",
                         [(str(5000 + n), stamp, code) for n, code in enumerate(codes)])
    conn.close()


@contextlib.contextmanager
def _emulators(base: Path, size: int) -> Iterator[tuple[str, str]]:
    """Both emulators in their own processes over ``base / "m"`` (prepared) and a shop seeded with ``size``
    products; yields (mServer URL, shop URL) once both answer, stops them afterwards."""
    m_port, w_port = _port(), _port()
    procs = [
        subprocess.Popen([sys.executable, "-c", "import sys; from adapter.emulators.mserver import main; main(sys.argv[1:])",
                          "--port", str(m_port), "--data", str(base / "m")], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "adapter.emulators.woocommerce", "--port", str(w_port), "--data",
                          str(base / "w"), "--seed-products", str(size)], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]
    m_url, w_url = f"http://127.0.0.1:{m_port}", f"http://127.0.0.1:{w_port}"
    try:
        _wait(m_url + "/status")
        _wait(w_url + "/_emulator/health")
        yield m_url, w_url
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def main(size: int = 100_000) -> None:
    """Run the three measurements and print the figures (the temporary data is removed afterwards)."""
    base = Path(tempfile.mkdtemp(prefix="bench-stock-"))
    try:
        _main(base, size)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _main(base: Path, size: int) -> None:
    from adapter.emulators import catalogue

    t = time.perf_counter()
    _prepare_mserver(base / "m", size)
    with _emulators(base, size) as (m_url, w_url):
        print(f"emulators seeded with {size:,} cards / SKUs in {time.perf_counter() - t:.1f} s")
        cfg = {"data": str(base / "adapter"), "m": m_url, "w": w_url}

        _admin(w_url, "reset_stats", {})
        first = _job(cfg, full=True)
        stats = _admin(w_url, "stats")
        print(f"1. full first run: {first['wall']:.1f} s, adapter CPU {first['cpu']:.1f} s (target ≤ "
              f"{CPU_TARGET_PER_100K * max(size, 100_000) / 100_000:.0f} s), peak RSS {first['rss_mb']:.0f} MB "
              f"(target ≤ {RSS_TARGET_MB:.0f} MB), pushed {first['ok']:,}, shop write calls {stats['write_calls']:,}, "
              f"batch items {stats['batch_items']:,}, status {first['status']}")
        print(f"   report: {first['report']}")

        _admin(w_url, "reset_stats", {})
        nothing = _job(cfg, full=False)
        stats = _admin(w_url, "stats")
        print(f"2. nothing changed: {nothing['wall']:.2f} s (target ≤ 0.5 s), shop write calls {stats['write_calls']} "
              f"(target 0), peak RSS {nothing['rss_mb']:.0f} MB")

        cards = catalogue.generate(1, size).cards
        simple = [c.code for c in cards if len(c.stores) == 1 and c.in_shop][:1000]
        _change_quantities(base / "m", simple)
        _admin(w_url, "faults", {"latency_ms": 150})
        _admin(w_url, "reset_stats", {})
        slow = _job(cfg, full=False)
        stats = _admin(w_url, "stats")
        floor = stats["requests"] * 0.150
        ratio = slow["wall"] / floor if floor else float("nan")
        print(f"3. {len(simple)} changes, shop latency 150 ms: {slow['wall']:.2f} s; shop requests {stats['requests']} "
              f"(write calls {stats['write_calls']}) × 0.150 s = {floor:.2f} s → {ratio:.2f}× (target ≤ 1.1×)")


def _set_counts(folder: Path, counts: dict[str, int]) -> None:
    """Change POHODA quantities as the emulator's ``set_stock`` does (count + lastChanges stamp), in one go.

    The admin call ``/_emulator/stock`` re-reads every card per change (minutes for 1,000 changes of
    100,000 cards), so the changes go straight into the emulator's SQLite file (WAL, shared safely).
    """
    from adapter.emulators.mserver_db import MServerStore

    store = MServerStore(folder / "mserver.sqlite3")
    try:
        for code, count in counts.items():
            (row,) = store.query("SELECT id FROM stock WHERE code = ?", (code,))
            store.update("stock", row["id"], count=str(count), changed=store.stamp())
    finally:
        store.close()


#: the catalogue sizes of a full bench run (``POHODA_BENCH_STOCK_SIZES="100000,500000"``); the first size gets
#: every measurement, the others the full first run and the unchanged run (time, CPU and memory as it grows)
SIZES_ENV = "POHODA_BENCH_STOCK_SIZES"
CPU_TARGET_PER_100K = 20.0  #: adapter CPU seconds of a full first run per 100,000 cards
RSS_TARGET_MB = 150.0


def _sizes(quick: bool) -> list[int]:
    if quick:
        return [3_000]
    raw = os.environ.get(SIZES_ENV, "100000,500000")
    return [int(part) for part in raw.replace("_", "").split(",") if part.strip()] or [100_000]


def collect(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``: per size a full run and an unchanged run; at the first size also 37
    changed and many changed with 150 ms shop latency. Each size's temporary data is removed afterwards."""
    rows: list[dict[str, Any]] = []
    for n, size in enumerate(_sizes(quick)):
        base = Path(tempfile.mkdtemp(prefix="bench-stock-"))
        try:
            rows += _collect_size(base, size, many=300 if quick else 1_000, changes=n == 0)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return rows


def row(name: str, out: dict[str, Any], shop: dict[str, Any], pohoda: int, **kw: Any) -> dict[str, Any]:
    """One table row of a measured run."""
    return {"name": name, "seconds": out["wall"], "peak_rss_mb": out["rss_mb"], "pohoda_requests": pohoda,
            "shop_requests": shop["requests"], "ratio": None, "ratio_of": "", **kw}


def _after_full(out: dict[str, Any], shop: dict[str, Any], pohoda: int) -> dict[str, Any]:
    """Target, verdict and note of the incremental run right after the full run (the shop lists every
    product the full run wrote as modified; the ledger explains them)."""
    return {"target": f"≤ {RSS_TARGET_MB:.0f} MB, 0 write calls, no POHODA re-read",
            "ok": out["rss_mb"] <= RSS_TARGET_MB and shop["write_calls"] == 0 and pohoda <= 2,
            "note": f"adapter CPU {out['cpu']:.2f} s (its own process), peak RSS of the job's own process; the shop "
                    f"lists every product the full run wrote as modified; POHODA requests {pohoda}, shop requests "
                    f"{shop['requests']}, write calls {shop['write_calls']}, run {out['status']}; "
                    f"report {out['report']}"}


def _collect_size(base: Path, size: int, *, many: int, changes: bool) -> list[dict[str, Any]]:
    from adapter.emulators import catalogue

    rows: list[dict[str, Any]] = []
    _prepare_mserver(base / "m", size)

    def measured(full: bool) -> tuple[dict[str, Any], dict[str, Any], int]:
        _admin(w_url, "reset_stats", {})
        before = _admin(m_url, "stats")["requests"]
        out = _job(cfg, full=full)
        return out, _admin(w_url, "stats"), _admin(m_url, "stats")["requests"] - before

    with _emulators(base, size) as (m_url, w_url):
        cfg = {"data": str(base / "adapter"), "m": m_url, "w": w_url}
        first, shop, pohoda = measured(True)
        cpu_target = CPU_TARGET_PER_100K * max(size, 100_000) / 100_000
        rows.append(row(f"stock {size:,} full first run", first, shop, pohoda,
                        target=f"adapter CPU ≤ {cpu_target:.0f} s, ≤ {RSS_TARGET_MB:.0f} MB",
                        ok=first["cpu"] <= cpu_target and first["rss_mb"] <= RSS_TARGET_MB and first["status"] == "ok",
                        note=f"adapter CPU {first['cpu']:.1f} s (its own process); pushed {first['ok']:,}, shop write "
                             f"calls {shop['write_calls']:,}, batch items {shop['batch_items']:,}, run {first['status']}; "
                             "peak RSS of the job's own process"))
        after, shop, pohoda = measured(False)
        rows.append(row(f"stock {size:,} incremental right after the full run", after, shop, pohoda,
                        **_after_full(after, shop, pohoda)))
        nothing, shop, pohoda = measured(False)
        rows.append(row(f"stock {size:,} unchanged", nothing, shop, pohoda, target="≤ 0.5 s, 0 write calls",
                        ok=nothing["wall"] <= 0.5 and shop["write_calls"] == 0,
                        note=f"adapter CPU {nothing['cpu']:.2f} s; shop write calls {shop['write_calls']}, "
                             f"run {nothing['status']}"))
        if not changes:
            return rows
        cat = catalogue.generate(1, size)
        simple = [c.code for c in cat.cards if len(c.stores) == 1 and c.in_shop]

        def products_of(codes: list[str]) -> int:  # a code sold twice in the shop (duplicate SKU) is two products
            wanted = set(codes)
            return sum(1 for p in cat.products if p.kind != "variable" and p.sku in wanted)

        _set_counts(base / "m", {code: 7000 + n for n, code in enumerate(simple[:37])})
        few, shop, pohoda = measured(False)
        rows.append(row(f"stock {size:,} incremental, 37 changed", few, shop, pohoda,
                        target="≤ 2 s, only their products pushed",
                        ok=few["wall"] <= 2 and shop["batch_items"] == products_of(simple[:37]),
                        note=f"37 cards = {products_of(simple[:37])} shop products; pushed {few['ok']}, shop write "
                             f"calls {shop['write_calls']}, batch items {shop['batch_items']}, run {few['status']}"))
        _set_counts(base / "m", {code: 5000 + n for n, code in enumerate(simple[37 : 37 + many])})
        _admin(w_url, "faults", {"latency_ms": 150})
        slow, shop, pohoda = measured(False)
        floor = shop["write_calls"] * 0.150
        ratio = slow["wall"] / floor if floor else None
        rows.append(row(f"stock {size:,} incremental, {many:,} changed, shop 150 ms/request", slow, shop, pohoda,
                        ratio=ratio, ratio_of="write calls × latency", target="≤ 1.1× write calls × latency",
                        ok=ratio is not None and ratio <= 1.1
                        and shop["batch_items"] == products_of(simple[37 : 37 + many]),
                        note=f"floor = {shop['write_calls']} shop write calls × 150 ms = {floor:.2f} s (all "
                             f"{shop['requests']} shop requests × 150 ms = {shop['requests'] * 0.150:.2f} s; batches go "
                             f"out up to [eshop] parallel_requests at once); batch items {shop['batch_items']:,}, "
                             f"adapter CPU {slow['cpu']:.2f} s, run {slow['status']}"))
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

"""Benchmark: the payments job end to end against both emulators over real sockets.

Run: ``.venv/bin/python bench/bench_payments.py [orders]`` (default 1,000).
Creates that many on-hold shop orders and one issued invoice per order in
POHODA (two thirds paid), then times:

* the upload preview (:func:`prepare_upload`: read the CSV + ask the shop),
* the mServer route as a dry run (list invoices in pages + ask the shop),
* the real mServer run (marking the paid orders), and
* a second run (nothing to change),

and prints wall times, request counts and orders per second. No asserts.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from adapter import ledger
from adapter.config import EshopSettings, PaymentsSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import invoice_item
from adapter.records import Address, DocLine, InvoiceDoc
from adapter.sync.connections import default_connections
from adapter.sync.payments import preview as payments
from adapter.sync.payments.job import PaymentsJob
from adapter.sync.runner import JobRunner
from bench.scratch import scratch

ICO = "12345678"


def _seed(woo: WooEmulator, emu: MServerEmulator, count: int) -> list[tuple[str, str]]:
    """Orders and invoices; returns (order number, invoice number) pairs."""
    sku = next(p["sku"] for p in woo.products() if p.get("sku") and p.get("type") == "simple")
    orders = [woo.add_order([(sku, 1)], status="on-hold") for _ in range(count)]
    pairs: list[tuple[str, str]] = []
    with MServerClient(emu.url, "admin", "heslo", ICO, retries=0) as client:
        for start in range(0, count, 200):
            docs = [
                InvoiceDoc(key=f"b{o['number']}", date=date(2025, 3, 4), partner=Address(name="Zákazník"),
                           lines=(DocLine(text="Zboží", quantity=Decimal(1), unit_price=Decimal(o["total"])),),
                           number_order=o["number"])
                for o in orders[start : start + 200]
            ]
            result = client.send(build_pack([invoice_item(d) for d in docs], ico=ICO, pack_id=f"bench-{start}"))
            pairs.extend((d.number_order, i.produced.number) for d, i in zip(docs, result.items, strict=True)
                         if i.produced is not None)
    for n, (_order, invoice) in enumerate(pairs):
        if n % 3:
            emu.mark_paid(invoice, on=date(2025, 3, 10))
    return pairs


def _csv(pairs: list[tuple[str, str]]) -> bytes:
    lines = ["Číslo;Datum;Občj;K likvidaci"]
    lines += [f"{inv};4.3.2025;{order};{'0,00' if n % 3 else '100,00'}" for n, (order, inv) in enumerate(pairs)]
    return "\r\n".join(lines).encode("cp1250")


def _timed_run(settings: Settings, **kwargs: object) -> tuple[float, ledger.Run]:
    runner = JobRunner(lambda: settings, default_connections(), jobs={"payments": PaymentsJob().run})
    started = time.perf_counter()
    run, _ = runner.run_inline("payments", "cli", **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - started, run


def main(argv: list[str] | None = None) -> None:
    """Print the figures."""
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 1000
    with scratch("payments") as tmp:
        root = Path(tmp)
        woo = WooEmulator(root / "woo", seed_products=3)
        emu = MServerEmulator(root / "mserver")
        woo.start()
        emu.start()
        try:
            settings = Settings(
                data_dir=root / "data",
                pohoda=PohodaSettings(url=emu.url, user="admin", password="heslo", ico=ICO),
                eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
                payments=PaymentsSettings(overlap_minutes=0),
            )
            started = time.perf_counter()
            pairs = _seed(woo, emu, count)
            print(f"seed: {count} orders + invoices in {time.perf_counter() - started:.1f} s")
            ledger.init_db(settings.data_dir / "ledger.db")
            with ledger.database.connection_context():
                data = _csv(pairs)
                woo.reset_stats()
                started = time.perf_counter()
                upload = payments.prepare_upload(settings, default_connections(), data, "bench.csv", owner="bench")
                took = time.perf_counter() - started
                print(f"upload preview: {len(data) / 1024:.0f} kB, {count} orders, {took:.2f} s "
                      f"({count / took:.0f} orders/s), shop requests {woo.stats()['requests']}, "
                      f"to mark {len(upload.plan.to_mark_paid)}")
                for label, kwargs in (("mServer dry run", {"dry_run": True}), ("mServer run", {}),
                                      ("second run", {})):
                    woo.reset_stats()
                    took, run = _timed_run(settings, **kwargs)
                    print(f"{label}: {took:.2f} s, status {run.status}, marked {run.ok_count}, "
                          f"POHODA requests {run.pohoda_requests}, shop requests {woo.stats()['requests']} "
                          f"(writes {woo.stats()['write_calls']}), {count / took:.0f} orders/s")
        finally:
            ledger.database.close()
            woo.stop()
            emu.stop()


def collect(quick: bool = False) -> list[dict[str, object]]:
    """Rows for ``python -m bench``: upload preview, mServer dry run, run, second run (figures, no targets)."""
    count = 100 if quick else 1000
    rows: list[dict[str, object]] = []
    with scratch("payments") as tmp:
        root = Path(tmp)
        woo = WooEmulator(root / "woo", seed_products=3)
        emu = MServerEmulator(root / "mserver")
        woo.start()
        emu.start()
        try:
            settings = Settings(
                data_dir=root / "data",
                pohoda=PohodaSettings(url=emu.url, user="admin", password="heslo", ico=ICO),
                eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
                payments=PaymentsSettings(overlap_minutes=0),
            )
            pairs = _seed(woo, emu, count)
            ledger.init_db(settings.data_dir / "ledger.db")
            with ledger.database.connection_context():
                data = _csv(pairs)
                woo.reset_stats()
                started = time.perf_counter()
                upload = payments.prepare_upload(settings, default_connections(), data, "bench.csv", owner="bench")
                rows.append({"name": f"payments: CSV upload preview, {count:,} orders",
                             "seconds": time.perf_counter() - started, "peak_rss_mb": None, "pohoda_requests": 0,
                             "shop_requests": woo.stats()["requests"], "ratio": None, "ratio_of": "", "target": "",
                             "ok": None, "note": f"to mark paid {len(upload.plan.to_mark_paid):,}"})
                for label, kwargs in (("mServer preview", {"dry_run": True}), ("mServer run", {}),
                                      ("second run", {})):
                    woo.reset_stats()
                    took, run = _timed_run(settings, **kwargs)
                    stats = woo.stats()
                    rows.append({"name": f"payments: {label}, {count:,} orders", "seconds": took,
                                 "peak_rss_mb": None, "pohoda_requests": run.pohoda_requests,
                                 "shop_requests": stats["requests"], "ratio": None, "ratio_of": "", "target": "status ok",
                                 "ok": run.status == "ok",
                                 "note": f"status {run.status}, marked paid {run.ok_count:,}, "
                                         f"shop write calls {stats['write_calls']:,}"})
        finally:
            ledger.database.close()
            woo.stop()
            emu.stop()
    return rows


if __name__ == "__main__":
    main()

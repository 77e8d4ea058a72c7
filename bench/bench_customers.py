"""Benchmark of the customers job (Adresář ⇄ zákazníci) against both emulators.

Prints figures only: a first sync of N shop customers into the address book,
an incremental run with nothing to do, and M address book records into the
shop. Run: ``python -m bench.bench_customers [N] [M]``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from adapter import ledger
from adapter.config import CustomersSettings, EshopSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.sync.connections import DefaultConnections
from adapter.sync.runner import JobRunner
from bench.scratch import scratch


def _run(settings: Settings, label: str) -> None:
    started = time.perf_counter()
    run, _ = JobRunner(lambda: settings, DefaultConnections()).run_inline("customers", "cli")
    took = time.perf_counter() - started
    print(f"{label:<38} {took:7.2f} s  {run.status:<7} ok={run.ok_count:<5} beze změny={run.skipped_count:<5}"
          f" POHODA požadavků={run.pohoda_requests:<4} e-shop požadavků={run.eshop_requests}")


def main(argv: list[str] | None = None) -> None:
    """Print timings of the customers job for N shop customers and M POHODA records."""
    args = (argv if argv is not None else sys.argv[1:]) + ["2000", "500"][len(argv or sys.argv[1:]):]
    n, m = int(args[0]), int(args[1])
    with scratch("customers") as tmp:
        root = Path(tmp)
        ms = MServerEmulator(root / "ms")
        woo = WooEmulator(root / "woo")
        ms.start()
        woo.start()
        try:
            for i in range(n):
                woo.objects.create_customer({
                    "email": f"zakaznik.{i}@example.cz", "first_name": "Jiří", "last_name": f"Dvořák {i}",
                    "billing": {"address_1": f"Náměstí Míru {i}", "city": "Žďár nad Sázavou", "postcode": "59101",
                                "country": "CZ", "phone": "602123456"},
                })
            ledger.init_db(root / "ledger.sqlite3")
            base = Settings(data_dir=root, pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo",
                                                                 ico="12345678"),
                            eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
                            customers=replace(CustomersSettings(), enabled=True))
            print(f"Zákazníků v e-shopu: {n}, nových adres v POHODĚ: {m}")
            _run(base, f"1. do POHODY ({n} zákazníků)")
            _run(base, "2. přírůstkově, beze změn")
            for i in range(m):
                ms.store.insert("address", name=f"Žofie Řeháková {i}", email=f"adresa.{i}@example.cz",
                                city="Třebíč", zip="67401", changed=ms.store.stamp())
            both = replace(base, customers=replace(base.customers, to_eshop=True))
            _run(both, f"3. do e-shopu ({m} adres)")
            _run(both, "4. přírůstkově, beze změn")
        finally:
            ledger.database.close()
            woo.stop()
            ms.stop()


def _row(settings: Settings, label: str) -> dict[str, object]:
    started = time.perf_counter()
    run, _ = JobRunner(lambda: settings, DefaultConnections()).run_inline("customers", "cli")
    return {"name": f"customers: {label}", "seconds": time.perf_counter() - started, "peak_rss_mb": None,
            "pohoda_requests": run.pohoda_requests, "shop_requests": run.eshop_requests, "ratio": None,
            "ratio_of": "", "target": "status ok", "ok": run.status == "ok",
            "note": f"status {run.status}, transferred {run.ok_count:,}, unchanged {run.skipped_count:,}"}


def collect(quick: bool = False) -> list[dict[str, object]]:
    """Rows for ``python -m bench``: N shop customers to POHODA, nothing to do, M addresses to the shop."""
    n, m = (200, 50) if quick else (2000, 500)
    rows: list[dict[str, object]] = []
    with scratch("customers") as tmp:
        root = Path(tmp)
        ms = MServerEmulator(root / "ms")
        woo = WooEmulator(root / "woo")
        ms.start()
        woo.start()
        try:
            for i in range(n):
                woo.objects.create_customer({
                    "email": f"zakaznik.{i}@example.cz", "first_name": "Jiří", "last_name": f"Dvořák {i}",
                    "billing": {"address_1": f"Náměstí Míru {i}", "city": "Žďár nad Sázavou", "postcode": "59101",
                                "country": "CZ", "phone": "602123456"},
                })
            ledger.init_db(root / "ledger.sqlite3")
            base = Settings(data_dir=root, pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo",
                                                                 ico="12345678"),
                            eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
                            customers=replace(CustomersSettings(), enabled=True))
            rows.append(_row(base, f"{n:,} shop customers to POHODA"))
            rows.append(_row(base, "incremental, nothing changed"))
            for i in range(m):
                ms.store.insert("address", name=f"Žofie Řeháková {i}", email=f"adresa.{i}@example.cz",
                                city="Třebíč", zip="67401", changed=ms.store.stamp())
            both = replace(base, customers=replace(base.customers, to_eshop=True))
            rows.append(_row(both, f"{m:,} addresses to the shop"))
            rows.append(_row(both, "both ways, nothing changed"))
        finally:
            ledger.database.close()
            woo.stop()
            ms.stop()
    return rows


if __name__ == "__main__":
    main()

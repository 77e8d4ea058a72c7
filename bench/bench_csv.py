"""Benchmark: read a 100,000-row POHODA invoice export and plan the payments.

Run: ``.venv/bin/python bench/bench_csv.py [rows]``. Generates a
Windows-1250, ``;``-delimited, decimal-comma export (thousands separated by
a space, as Czech Windows writes them), times :func:`read_payments_csv` and
:func:`plan_payments` against a mapping of as many shop orders, and prints
the figures and the peak RSS. Target: read + plan ≤ 1.5 s, judged on CPU
time because wall time on a shared machine includes other processes' turns.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from adapter.sync.payments.csv import read_payments_csv
from adapter.sync.payments.matching import ShopOrderState, plan_payments

TARGET_SECONDS = 1.5


def _czk(value: Decimal) -> str:
    """1234.5 → "1 234,50"."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def generate(rows: int) -> tuple[bytes, dict[str, ShopOrderState]]:
    """The export (cp1250, ';', decimal comma) and the shop's view of the same orders.

    Every third invoice is unpaid, every fifth partly paid, the rest paid;
    one order in ten is already paid in the shop, one number in fifty is
    unknown to the shop.
    """
    start = date(2024, 1, 1)
    lines = ["Vydané faktury", "", "Číslo;Datum;Občj;Firma;Celkem;K likvidaci;Dat.likv.;Var.sym."]
    orders: dict[str, ShopOrderState] = {}
    for i in range(rows):
        number = str(100000 + i)
        total = Decimal(500 + i % 20000) + Decimal("0.50")
        if i % 3 == 0:
            to_pay, paid_on = total, ""
        elif i % 5 == 0:
            to_pay, paid_on = total / 2, "15.3.2024"
        else:
            to_pay, paid_on = Decimal("0.00"), "15.3.2024"
        day = start + timedelta(days=i % 365)
        lines.append(
            f"24{i:06};{day.day}.{day.month}.{day.year};{number};Zákazník {i} s.r.o.;"
            f"{_czk(total)};{_czk(to_pay)};{paid_on};24{i:06}"
        )
        if i % 50 != 7:
            orders[number] = ShopOrderState(
                order_id=i + 1, number=number, status="processing", paid=i % 10 == 1, total=total, currency="CZK"
            )
    lines.append(";;;Celkem:;;;;")
    return "\r\n".join(lines).encode("cp1250"), orders


def main(argv: list[str] | None = None) -> int:
    """Generate, time, print; exit code 1 when over the target (CPU time)."""
    args = sys.argv[1:] if argv is None else argv
    rows = int(args[0]) if args else 100_000
    t0 = time.perf_counter()
    data, orders = generate(rows)
    t1, c1 = time.perf_counter(), time.process_time()
    result = read_payments_csv(data)
    t2, c2 = time.perf_counter(), time.process_time()
    plan = plan_payments(result, orders)
    t3, c3 = time.perf_counter(), time.process_time()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    total, cpu = t3 - t1, c3 - c1
    print(f"file: {len(data) / 1024 / 1024:.1f} MB, {result.lines} lines, encoding {result.encoding}")
    print(f"generate:          {t1 - t0:6.2f} s")
    print(f"read_payments_csv: {t2 - t1:6.2f} s wall, {c2 - c1:5.2f} s CPU  ({result.row_count} rows, {result.error_count} errors)")
    print(f"plan_payments:     {t3 - t2:6.2f} s wall, {c3 - c2:5.2f} s CPU  ({len(orders)} shop orders)")
    verdict = "OK" if cpu <= TARGET_SECONDS else "SLOW"
    print(f"read + plan:       {total:6.2f} s wall, {cpu:5.2f} s CPU  (target ≤ {TARGET_SECONDS:g} s CPU) {verdict}")
    print(
        f"plan: to mark paid {len(plan.to_mark_paid)}, partly paid {len(plan.partly_paid)}, "
        f"unpaid {len(plan.unpaid)}, unknown {len(plan.unknown)}, already paid {len(plan.already_paid)}"
    )
    print(f"peak RSS:          {peak_kib / 1024:6.1f} MB")
    return 0 if cpu <= TARGET_SECONDS else 1


def collect(quick: bool = False) -> list[dict[str, object]]:
    """Rows for ``python -m bench``: read + plan of the export (judged on CPU time)."""
    rows = 10_000 if quick else 100_000
    data, orders = generate(rows)
    t1, c1 = time.perf_counter(), time.process_time()
    result = read_payments_csv(data)
    plan = plan_payments(result, orders)
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    return [{
        "name": f"CSV {rows:,} rows read + match", "seconds": wall, "peak_rss_mb": None,
        "pohoda_requests": None, "shop_requests": None, "ratio": None, "ratio_of": "",
        "target": f"≤ {TARGET_SECONDS:g} s CPU", "ok": cpu <= TARGET_SECONDS,
        "note": f"CSV: {len(data) / 1024 / 1024:.1f} MB, {result.row_count:,} rows, {cpu:.2f} s CPU; "
                f"to mark paid {len(plan.to_mark_paid):,}, unknown {len(plan.unknown):,}",
    }]


if __name__ == "__main__":
    raise SystemExit(main())

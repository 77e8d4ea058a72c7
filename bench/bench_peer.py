"""Benchmark: our XML builders side by side with the ``pohoda`` package from PyPI.

The same records — 10,000 stock cards and 1,000 received orders × 5 stock
lines — are turned into one ``dat:dataPack`` each, by our builders
(``adapter.pohoda.stock.stock_item`` / ``adapter.pohoda.orders.order_item`` +
``envelope.build_pack``) and by the peer (``pohoda.Pohoda``: ``create`` +
``add_item`` + ``write``). Each side runs in its own fresh process so its peak
RSS is its own; the time is the best CPU time of a few runs from records to
bytes (CPU, not wall clock: robust on a busy machine).
Both outputs are validated against ``data.xsd`` (outside the timing).

Run: ``python -m bench.bench_peer [--quick]``. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapter.records import Address, DocLine, OrderDoc, StockCardDoc  # noqa: E402

ICO = "12345678"
CARDS = 10_000
ORDERS = 1_000
LINES = 5
QUICK_CARDS = 1_000
QUICK_ORDERS = 100
PEER = "pohoda (PyPI)"


# --------------------------------------------------------------------------- the shared records


def stock_records(n: int) -> list[StockCardDoc]:
    """``n`` stock cards with Czech text, EAN, price, storage."""
    return [StockCardDoc(code=f"K{i:06d}", name=f"Zboží číslo {i} – žluťoučký kůň", ean=f"859{i:010d}",
                         selling_price=Decimal(i % 900) + Decimal("0.90"), storage="Zboží/Kuchyně")
            for i in range(n)]


def order_records(n: int, lines: int = LINES) -> list[OrderDoc]:
    """``n`` received orders, each with ``lines`` stock-linked lines and a Czech partner address."""
    out = []
    for i in range(n):
        partner = Address(name=f"Jiří Dvořák {i}", street=f"Náměstí Míru {i}", city="Žďár nad Sázavou",
                          zip="59101", country="CZ", email=f"zakaznik.{i}@example.cz", phone="602123456")
        doc_lines = tuple(DocLine(text=f"Zboží číslo {(i * lines + k) % 5000} – hrnek", quantity=Decimal(1 + k % 3),
                                  unit_price=Decimal(100 + (i + k) % 900) + Decimal("0.50"),
                                  stock_code=f"K{(i * lines + k) % 5000:06d}")
                          for k in range(lines))
        out.append(OrderDoc(key=str(10_000 + i), number_order=str(10_000 + i), date=date(2025, 3, 4),
                            partner=partner, lines=doc_lines, text=f"Objednávka z e-shopu č. {10_000 + i}",
                            ext_id=str(10_000 + i), ext_system="WooCommerce"))
    return out


# --------------------------------------------------------------------------- the two builders


def ours_stock(cards: list[StockCardDoc]) -> bytes:
    """Our stock dataPack."""
    from adapter.pohoda.envelope import build_pack
    from adapter.pohoda.stock import stock_item

    return build_pack([stock_item(c, type_price="SK") for c in cards], ico=ICO, pack_id="bench-stock").xml


def ours_orders(orders: list[OrderDoc]) -> bytes:
    """Our received-orders dataPack."""
    from adapter.pohoda.envelope import build_pack
    from adapter.pohoda.orders import order_item

    return build_pack([order_item(o) for o in orders], ico=ICO, pack_id="bench-orders").xml


def _peer_bytes(pohoda: Any) -> bytes:
    out = io.BytesIO()
    pohoda.write(out, pretty_print=False)
    return out.getvalue()


def peer_stock(cards: list[StockCardDoc]) -> bytes:
    """The same cards through ``pohoda.Pohoda`` (its Stock agenda, as its README shows)."""
    from pohoda.Pohoda import Pohoda

    p = Pohoda(ICO, "bench-stock", note="bench")
    for c in cards:
        agenda = p.create("Stock", {
            "code": c.code, "EAN": c.ean, "isInternet": c.is_internet, "sellingRateVAT": c.vat_rate,
            "name": c.name, "unit": c.unit, "storage": c.storage, "typePrice": "SK",
            "sellingPrice": str(c.selling_price), "sellingPricePayVAT": c.price_includes_vat,
        })
        p.add_item(f"stk-{c.code}", agenda)
    return _peer_bytes(p)


def peer_orders(orders: list[OrderDoc]) -> bytes:
    """The same orders through ``pohoda.Pohoda`` (its Order agenda)."""
    from pohoda.Pohoda import Pohoda

    p = Pohoda(ICO, "bench-orders", note="bench")
    for o in orders:
        a = o.partner
        agenda = p.create("Order", {
            "orderType": "receivedOrder", "numberOrder": o.number_order, "date": o.date.isoformat(),
            "text": o.text, "isReserved": o.is_reserved,
            "partnerIdentity": {"address": {"name": a.name, "city": a.city, "street": a.street, "zip": a.zip,
                                            "email": a.email, "phone": a.phone}},
        })
        for line in o.lines:
            agenda.add_item({"text": line.text, "quantity": str(line.quantity), "unit": line.unit,
                             "payVAT": o.prices_include_vat, "rateVAT": line.vat_rate,
                             "homeCurrency": {"unitPrice": str(line.unit_price)},
                             "stockItem": {"stockItem": {"ids": line.stock_code}}})
        p.add_item(f"ord-{o.key}", agenda)
    return _peer_bytes(p)


BUILDERS: dict[tuple[str, str], Callable[[Any], bytes]] = {
    ("ours", "stock"): ours_stock, ("peer", "stock"): peer_stock,
    ("ours", "orders"): ours_orders, ("peer", "orders"): peer_orders,
}


# --------------------------------------------------------------------------- one side in a fresh process


def _vm_hwm_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(side: str, what: str, n: int, repeat: int) -> dict[str, Any]:
    """Build ``n`` records ``repeat`` times (best time), validate the bytes; in this process."""
    from adapter.pohoda import schema

    records: Any = stock_records(n) if what == "stock" else order_records(n)
    build = BUILDERS[(side, what)]
    build(records[:10])  # imports and lazy set-up outside the timing
    best, xml = float("inf"), b""
    for _ in range(repeat):
        started = time.process_time()
        xml = build(records)
        best = min(best, time.process_time() - started)
    rss = _vm_hwm_mb()
    errors = schema.validate(xml, "data")
    return {"seconds": best, "peak_rss_mb": rss, "bytes": len(xml),
            "errors": -1 if errors is None else len(errors), "first_error": (errors or [""])[0][:160]}


def _child(side: str, what: str, n: int, repeat: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_peer", "--child", side, what, str(n), str(repeat)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _validity(m: dict[str, Any]) -> str:
    if m["errors"] < 0:
        return "XSD nenalezeno"
    if m["errors"] == 0:
        return "XSD ✓"
    return f"XSD ✗ ({m['errors']} chyb: {m['first_error']})"


def collect(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for ``python -m bench``: per agenda ours (ratio ours/peer) and the peer."""
    sizes = {"stock": QUICK_CARDS if quick else CARDS, "orders": QUICK_ORDERS if quick else ORDERS}
    repeat = 1 if quick else 3
    rows: list[dict[str, Any]] = []
    for what, label in (("stock", "stock cards"), ("orders", f"orders × {LINES} lines")):
        n = sizes[what]
        ours, peer = _child("ours", what, n, repeat), _child("peer", what, n, repeat)
        ratio = ours["seconds"] / peer["seconds"] if peer["seconds"] else None
        rows.append({"name": f"XML {n:,} {label}: ours", "seconds": ours["seconds"],
                     "peak_rss_mb": ours["peak_rss_mb"], "pohoda_requests": None, "shop_requests": None,
                     "ratio": ratio, "ratio_of": PEER, "target": "≤ 0.5× peer, XSD-valid",
                     "ok": ratio is not None and ratio <= 0.5 and ours["errors"] == 0,
                     "note": f"CPU seconds; {ours['bytes'] / 1e6:.1f} MB, {_validity(ours)}"})
        rows.append({"name": f"XML {n:,} {label}: {PEER}", "seconds": peer["seconds"],
                     "peak_rss_mb": peer["peak_rss_mb"], "pohoda_requests": None, "shop_requests": None,
                     "ratio": None, "ratio_of": "", "target": "", "ok": None,
                     "note": f"CPU seconds; {peer['bytes'] / 1e6:.1f} MB, {_validity(peer)}"})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the figures (or, with ``--child``, measure one side and print JSON)."""
    parser = argparse.ArgumentParser(description="our XML builders vs the pohoda package from PyPI")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--child", nargs=4, metavar=("SIDE", "WHAT", "N", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        side, what, n, repeat = args.child
        print(json.dumps(measure(side, what, int(n), int(repeat))))
        return 0
    for row in collect(args.quick):
        ratio = f", {row['ratio']:.2f}× of {row['ratio_of']}" if row["ratio"] is not None else ""
        print(f"{row['name']}: {row['seconds']:.3f} s, peak RSS {row['peak_rss_mb']:.0f} MB{ratio} — {row['note']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

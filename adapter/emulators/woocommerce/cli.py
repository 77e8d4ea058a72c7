"""Command line of the WooCommerce emulator (``python -m adapter.emulators.woocommerce`` or ``app.py emulate woocommerce``)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from adapter.emulators.woocommerce.emulator import WooEmulator


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator in the foreground until Ctrl+C."""
    parser = argparse.ArgumentParser(prog="emulate woocommerce", description="WooCommerce REST API v3 emulator")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", type=Path, required=True, help="data directory (SQLite)")
    parser.add_argument("--key", default="ck_test")
    parser.add_argument("--secret", default="cs_test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seed-products", type=int, default=0, help="catalogue size (POHODA cards) to seed from")
    parser.add_argument("--seed-orders", type=int, default=0)
    parser.add_argument("--tls-cert", help="certificate (PEM) → serve HTTPS")
    parser.add_argument("--tls-key", help="private key (PEM) for --tls-cert")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    emu = WooEmulator(args.data, key=args.key, secret=args.secret, seed=args.seed, seed_products=args.seed_products,
                      seed_orders=args.seed_orders, tls_cert=tls)
    url = emu.start(args.host, args.port)
    print(f"WooCommerce emulator: {url}/wp-json/wc/v3  key={args.key}  admin: {url}/_emulator/stats", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


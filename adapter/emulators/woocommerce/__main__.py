"""``python -m adapter.emulators.woocommerce --port 8090 --data DIR --seed-products 200 --seed-orders 30``."""

from __future__ import annotations

from adapter.emulators.woocommerce.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""A demo-like app with something on every page: the demo's emulators, every agenda run as a preview and for real.

``demo_app`` (one per test module) yields a :class:`DemoApp`: the Flask app over the
demo's data folder, the run ids of each agenda's preview and real run (the newest
orders and payments runs are previews, so pages must not show them as the agenda's state), and a
few held orders to open previews of.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger

DEMO_AGENDAS = ("stock", "orders", "invoices", "products", "customers", "payments", "states", "documents", "refunds")


@dataclass
class DemoApp:
    """The app and what was run in it."""

    app: Any
    real: dict[str, int] = field(default_factory=dict)  #: agenda → its real run's id
    preview: dict[str, int] = field(default_factory=dict)  #: agenda → its newest preview run's id
    held_orders: list[str] = field(default_factory=list)  #: shop ids of orders that wait


def _ticked() -> dict[str, list[str]]:
    """Three shop-only products, as a person ticks them in the pairing report."""
    rows = ledger.Pairing.select().where((ledger.Pairing.status == "eshop_only") & ledger.Pairing.product_id.is_null(False))
    return {"keys": [str(r.product_id) for r in rows][:3]}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApp]:
    """The demo's emulators and an app over its data with every agenda run (preview, then real; orders and payments previews last)."""
    from adapter.demo import start_demo
    from app import create_app

    demo = start_demo(Path(tmp_path_factory.mktemp("demo")))
    try:
        app = create_app(data_dir=demo.data_dir)
        runner = app.extensions["adapter"].runner
        made = DemoApp(app)
        with ledger.database.connection_context():
            for agenda in DEMO_AGENDAS:
                for dry_run in (True, False):
                    options = _ticked() if agenda == "products" else None
                    run, _ran = runner.run_inline(agenda, "cli", dry_run=dry_run, options=options)
                    (made.preview if dry_run else made.real)[agenda] = run.id
            for agenda in ("orders", "payments"):  # their newest runs are previews
                run, _ran = runner.run_inline(agenda, "cli", dry_run=True)
                made.preview[agenda] = run.id
            made.held_orders = [e.shop_id or e.key for e in ledger.entries(agenda="orders", state="held", limit=3)]
        yield made
    finally:
        ledger.database.close()
        demo.stop()

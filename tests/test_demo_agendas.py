"""Demo mode as a new user meets it: every agenda of the round has real work, runs to a good end,
and the sample CSV pairs with the advance invoices POHODA issued."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import demo as demo_mode
from adapter import ledger
from adapter.config import SettingsStore
from adapter.emulators import catalogue
from adapter.sync.connections import default_connections
from adapter.sync.payments.cli import import_payments_cli
from adapter.sync.payments.csv import read_payments_csv
from adapter.sync.runner import JobRunner

#: the order a new user would go through the dashboard (products after the pairing report's ticks)
AGENDAS = ("stock", "customers", "orders", "invoices", "products", "payments", "states", "documents", "refunds")


class DemoRun:
    """The demo started in a temp folder, with a runner over its settings and ledger."""

    def __init__(self, root: Path) -> None:
        self.demo = demo_mode.start_demo(root)
        self.store = SettingsStore(self.demo.data_dir, demo=True)
        ledger.init_db(self.demo.data_dir / "ledger.db")
        self.runner = JobRunner(self.store.get, default_connections())
        self.customers_before = {c["email"] for c in self.demo.woo.customers()}
        self.results: dict[str, ledger.Run] = {}

    def run(self, agenda: str) -> ledger.Run:
        options = None
        if agenda == "products":  # as a person ticks them in the pairing report: e-shop-only products
            ticked = ledger.Pairing.select().where((ledger.Pairing.status == "eshop_only")
                                                   & ledger.Pairing.product_id.is_null(False))
            options = {"keys": [str(r.product_id) for r in ticked]}
            assert options["keys"]
        run, ran = self.runner.run_inline(agenda, "cli", options=options)
        assert ran
        self.results[agenda] = run
        return run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    started = DemoRun(tmp_path_factory.mktemp("demo") / "demo")
    try:
        for agenda in AGENDAS:
            started.run(agenda)
        yield started
    finally:
        ledger.database.close()
        started.demo.stop()


pytestmark = pytest.mark.slow


def test_every_agenda_runs_to_a_good_end_and_does_real_work(demo_run: DemoRun) -> None:
    for agenda, run in demo_run.results.items():
        assert run.status == "ok", (agenda, run.message)
        assert run.error_count == 0, (agenda, run.message)
        if agenda != "payments":  # its work in the demo is the sample CSV (below): POHODA holds no payment yet
            assert run.ok_count > 0, f"{agenda} had nothing to do in the demo: {run.message}"


def test_the_first_stock_run_moves_stock_and_orders_reach_pohoda(demo_run: DemoRun) -> None:
    assert demo_run.results["stock"].ok_count >= 12
    assert len(demo_run.demo.mserver.received_orders()) == demo_run.results["orders"].ok_count


def test_pohodas_address_book_reaches_the_shop(demo_run: DemoRun) -> None:
    typed = {p.email for p in catalogue.address_book(demo_mode.SEED, demo_mode.ADDRESS_BOOK)}
    assert not typed & demo_run.customers_before, "the accountant's entries are not shop customers at first"
    now = {c["email"] for c in demo_run.demo.woo.customers()}
    assert typed <= now, "the first customers run creates POHODA's address-book entries in the shop"


def _advance_invoices(demo_run: DemoRun) -> dict[str, Any]:
    return {i.number: i for i in demo_run.demo.mserver.issued_invoices() if "ZF" in i.number}


def test_the_sample_csv_carries_the_numbers_pohoda_gave(demo_run: DemoRun) -> None:
    sample = demo_run.demo.sample_csv
    assert sample is not None
    rows = read_payments_csv(sample.read_bytes()).rows
    issued = _advance_invoices(demo_run)
    assert rows and len(rows) == len(issued)
    for row in rows:
        invoice = issued[row.invoice_number]
        assert (invoice.order_number or invoice.number_order) == row.order_number
        assert invoice.symbol_variable == row.variable_symbol
        assert invoice.total == row.total, row


def test_the_sample_csv_marks_orders_paid(demo_run: DemoRun) -> None:
    sample = demo_run.demo.sample_csv
    assert sample is not None
    waiting = {str(o["number"]) for o in demo_run.demo.woo.orders() if o["status"] == "on-hold"}
    out = io.StringIO()
    assert import_payments_cli(demo_run.store.get(), sample, apply=True, out=out) == 0, out.getvalue()
    paid = {str(o["number"]) for o in demo_run.demo.woo.orders() if o["status"] == "processing" and o.get("date_paid")}
    assert paid & waiting, out.getvalue()
    run = ledger.Run.select().where(ledger.Run.agenda == "payments").order_by(ledger.Run.id.desc()).get()
    assert (run.status, run.error_count) == ("ok", 0) and run.ok_count == len(paid & waiting), run.message


def test_the_eur_orders_carry_cnbs_rate(demo_run: DemoRun) -> None:
    rows = demo_run.demo.mserver.store.query("SELECT currency, rate FROM received_order WHERE currency = 'EUR'")
    assert rows, "the demo has EUR orders in POHODA"
    assert {Decimal(r["rate"]) for r in rows} == {Decimal("24.335")}, "the rate of ČNB's file, not the fixed 25"
    assert demo_run.demo.cnb.requests


def test_the_slovak_consumers_order_goes_as_oss(demo_run: DemoRun) -> None:
    assert demo_run.demo.scenes is not None
    oss = demo_run.demo.woo.order(demo_run.demo.scenes["oss"])
    [received] = [o for o in demo_run.demo.mserver.received_orders() if o.number_order == str(oss["number"])]
    vat = demo_run.demo.mserver.document_vat("order", received.number)
    assert vat is not None and vat["moss"] == "SK", vat


def test_the_refund_becomes_a_credit_note_and_invoices_their_pdfs(demo_run: DemoRun) -> None:
    assert demo_run.demo.mserver.credit_notes()
    assert list((demo_run.demo.data_dir / "invoice_pdfs").rglob("*.pdf"))
    assert _advance_invoices(demo_run), "the bank-transfer orders awaiting payment got advance invoices"

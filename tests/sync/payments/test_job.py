"""The payments job end to end: both emulators over real sockets, both routes, and the CLI.

Shop orders and POHODA invoices are linked the way the adapter expects:
``inv:numberOrder`` = the shop's order number. Invoices are created in the
mServer emulator through our own builders and client (XSD-valid packs).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import EshopSettings, PaymentsSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import invoice_item
from adapter.records import Address, DocLine, InvoiceDoc
from adapter.sync.connections import default_connections
from adapter.sync.payments import cli, preview
from adapter.sync.payments.job import PaymentsJob
from adapter.sync.payments.store import load_upload
from adapter.sync.payments.table import SECTION_TITLES
from adapter.sync.runner import JobRunner
from tests.eshop.helpers import in_flight_peaks

ICO = "12345678"
TO_MARK = SECTION_TITLES["to_mark_paid"]
PARTLY = SECTION_TITLES["partly_paid"]
UNKNOWN = SECTION_TITLES["unknown"]
HELD = SECTION_TITLES["held"]
ALREADY = SECTION_TITLES["already_paid"]
UNPAID = SECTION_TITLES["unpaid"]
CSV_HEADER = "Číslo;Datum;Občj;Celkem;K likvidaci;Datum likvidace"


# --------------------------------------------------------------------------- the environment (also used by test_web_payments)


def make_settings(data_dir: Path, woo: WooEmulator, emu: MServerEmulator, **payments_kw: Any) -> Settings:
    """Settings pointing at both emulators."""
    return Settings(
        data_dir=data_dir,
        pohoda=PohodaSettings(url=emu.url, user="admin", password="heslo", ico=ICO, read_timeout=20.0),
        eshop=EshopSettings(platform="woocommerce", url=woo.url, consumer_key="ck_test", consumer_secret="cs_test",
                            timeout=20.0),
        payments=PaymentsSettings(**payments_kw),
    )


@dataclass
class Env:
    """Both emulators, settings for them, and helpers to create orders, invoices and export files."""

    woo: WooEmulator
    emu: MServerEmulator
    settings: Settings
    check_pack: Callable[[bytes], None]
    skus: list[str] = field(default_factory=list)
    _n: int = 0

    def order(self, status: str = "on-hold") -> dict[str, Any]:
        """A new shop order (one product line) in ``status``."""
        return self.woo.add_order([(self.skus[0], 1)], status=status)

    def invoice(self, number_order: str, amount: Decimal | str = "1210.00", *, on: date = date(2025, 3, 4)) -> str:
        """An issued invoice in POHODA for a shop order number; returns POHODA's invoice number."""
        self._n += 1
        doc = InvoiceDoc(
            key=f"t{self._n}-{number_order or 'x'}", date=on, partner=Address(name="Jana Nováková"),
            lines=(DocLine(text="Zboží z e-shopu", quantity=Decimal(1), unit_price=Decimal(str(amount))),),
            number_order=number_order,
        )
        pack = build_pack([invoice_item(doc)], ico=ICO, pack_id=f"test-inv-{self._n}")
        self.check_pack(pack.xml)
        with MServerClient(self.emu.url, "admin", "heslo", ICO, retries=0) as client:
            result = client.send(pack)
        item = result.items[0]
        assert item.state == "ok", item
        assert item.produced is not None
        return item.produced.number

    def shop(self, order_id: int) -> dict[str, Any]:
        """An order as the shop emulator holds it."""
        return self.woo.order(order_id)

    def meta(self, order_id: int) -> dict[str, str]:
        """An order's meta as a dict, protected ``_keys`` included.

        The shop's REST answers leave protected meta out (as WooCommerce does),
        so this reads the emulator's stored order, as a shop admin would see it.
        """
        doc = self.woo._store.get("orders", order_id)
        assert doc is not None
        return {m["key"]: m["value"] for m in doc.get("meta_data", [])}

    def writes(self) -> int:
        """Write calls the shop has served so far."""
        return int(self.woo.stats()["write_calls"])

    def run(self, trigger: str = "button", **kwargs: Any) -> ledger.Run:
        """Run the payments job in this thread through the real runner."""
        runner = JobRunner(lambda: self.settings, default_connections(), jobs={"payments": PaymentsJob().run})
        run, ran_here = runner.run_inline("payments", trigger, **kwargs)
        assert ran_here
        return run


def csv_bytes(rows: list[tuple[str, str, str, str, str, str]], *, encoding: str = "cp1250") -> bytes:
    """A POHODA-like export: title line, header, rows, a "Celkem:" line."""
    lines = ["Vydané faktury", CSV_HEADER, *(";".join(r) for r in rows), "Celkem:;;;;;"]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def build_env(woo_factory: Callable[..., WooEmulator], mserver_factory: Callable[..., MServerEmulator],
              data_dir: Path, check_pack: Callable[[bytes], None], **payments_kw: Any) -> Env:
    """Start both emulators and return the environment."""
    woo = woo_factory(seed_products=3)
    emu = mserver_factory()
    skus = [p["sku"] for p in woo.products() if p.get("sku") and p.get("type") == "simple"]
    return Env(woo=woo, emu=emu, settings=make_settings(data_dir, woo, emu, **payments_kw), check_pack=check_pack,
               skus=skus)


@pytest.fixture
def ledger_db(tmp_path: Path) -> Iterator[Path]:
    """A fresh ledger in ``tmp_path/data``."""
    data = tmp_path / "data"
    ledger.init_db(data / "ledger.db")
    yield data
    ledger.database.close()


@pytest.fixture
def env(woo_factory: Any, mserver_factory: Any, ledger_db: Path, assert_valid_datapack: Any) -> Env:
    """Both emulators with no orders and no invoices; [payments] overlap 0 (so lastChanges is exact)."""
    return build_env(woo_factory, mserver_factory, ledger_db, assert_valid_datapack, overlap_minutes=0)


def rows_of(report: dict[str, Any], title: str) -> dict[str, dict[str, str]]:
    """A report section as order number → row."""
    return {row["Objednávka"]: row for row in report.get(title, [])}


# --------------------------------------------------------------------------- mServer route


def test_mserver_route_marks_exactly_the_fully_paid_orders(env: Env) -> None:
    on_hold, pending, partly, unpaid, completed, cancelled = (
        env.order("on-hold"), env.order("pending"), env.order("on-hold"), env.order("on-hold"),
        env.order("completed"), env.order("cancelled"),
    )
    inv = {o["number"]: env.invoice(o["number"], o["total"]) for o in (on_hold, pending, partly, unpaid, completed, cancelled)}
    unknown_invoice = env.invoice("990001", "500")
    env.invoice("", "300")  # an invoice without an order number is skipped
    env.emu.mark_paid(inv[on_hold["number"]], on=date(2025, 3, 10))
    env.emu.mark_paid(inv[pending["number"]], on=date(2025, 3, 11))
    env.emu.mark_paid(inv[partly["number"]], Decimal("100"), on=date(2025, 3, 12))
    env.emu.mark_paid(inv[completed["number"]])
    env.emu.mark_paid(inv[cancelled["number"]])
    env.emu.mark_paid(unknown_invoice)
    completed_before = env.shop(completed["id"])

    run = env.run()

    assert run.status == "ok", run.message
    assert run.ok_count == 2 and run.held_count == 1 and run.error_count == 0
    for order, paid_on, czech in ((on_hold, "2025-03-10", "10. 3. 2025"), (pending, "2025-03-11", "11. 3. 2025")):
        shop = env.shop(order["id"])
        assert shop["status"] == "processing"
        assert shop["date_paid"], "WooCommerce records the paid date when the order moves to processing"
        meta = env.meta(order["id"])
        assert meta["_pohoda_invoice_number"] == inv[order["number"]]
        assert meta["_pohoda_paid_date"] == paid_on
        notes = [n["note"] for n in env.woo.notes(order["id"])]
        assert f"Zaplaceno dle POHODA, faktura {inv[order['number']]}, datum {czech}" in notes
        entry = ledger.get_entry("payments", order["number"])
        assert entry is not None and entry.state == "ok" and entry.pohoda_number == inv[order["number"]]
    assert env.shop(partly["id"])["status"] == "on-hold" and not env.shop(partly["id"])["date_paid"]
    assert env.shop(unpaid["id"])["status"] == "on-hold"
    assert env.shop(completed["id"])["status"] == "completed"
    assert env.shop(completed["id"])["date_modified"] == completed_before["date_modified"]
    assert env.shop(cancelled["id"])["status"] == "cancelled"
    held = ledger.get_entry("payments", cancelled["number"])
    assert held is not None and held.state == "held" and "„Zrušeno“" in held.error

    report = run.report_dict()
    counts = report["Počty"]
    assert counts[TO_MARK] == 2 and counts[PARTLY] == 1 and counts[UNKNOWN] == 1 and counts[HELD] == 1
    assert counts[UNPAID] == 1 and counts[ALREADY] == 1
    assert counts["Faktury bez čísla objednávky (přeskočeny)"] == 1
    partly_row = rows_of(report, PARTLY)[partly["number"]]
    assert "Uhrazeno 100,00" in partly_row["Důvod"] and partly_row["Datum úhrady"] == "12. 3. 2025"
    assert "990001" in rows_of(report, UNKNOWN)
    assert rows_of(report, TO_MARK)[on_hold["number"]]["Výsledek"].startswith("Označena jako zaplacená")
    assert run.pohoda_requests == 1

    # a second run changes nothing in the shop
    writes = env.writes()
    again = env.run()
    assert again.status == "ok"
    assert env.writes() == writes
    assert again.ok_count == 0


def test_last_changes_is_honoured_and_orders_are_judged_on_all_their_invoices(env: Env) -> None:
    single, double = env.order("on-hold"), env.order("on-hold")
    first = env.invoice(single["number"], "500")
    part_a = env.invoice(double["number"], "300")
    part_b = env.invoice(double["number"], "200")
    time.sleep(1.1)  # lastChanges has whole seconds and is inclusive
    run1 = env.run()
    assert run1.status == "ok" and run1.ok_count == 0
    assert run1.report_dict()["Načteno faktur"] == 3
    checkpoint = ledger.get_checkpoint("payments")
    assert checkpoint is not None and checkpoint.cursor
    assert set(checkpoint.extra_dict()["open"]) == {first, part_a, part_b}

    time.sleep(1.1)
    env.emu.mark_paid(part_a)  # only one of the two invoices of `double`
    time.sleep(1.1)  # so the next watermark lies after this change
    run2 = env.run()
    assert run2.report_dict()["Načteno faktur"] == 1, "only the changed invoice is listed"
    assert run2.ok_count == 0, "the order still has an unpaid invoice"
    assert double["number"] in rows_of(run2.report_dict(), PARTLY)
    assert env.shop(double["id"])["status"] == "on-hold"

    time.sleep(1.1)
    env.emu.mark_paid(part_b)
    env.emu.mark_paid(first)
    time.sleep(1.1)
    run3 = env.run()
    assert run3.report_dict()["Načteno faktur"] == 2
    assert run3.ok_count == 2
    assert env.shop(double["id"])["status"] == "processing"
    assert env.meta(double["id"])["_pohoda_invoice_number"] == f"{part_a}, {part_b}"
    assert ledger.get_checkpoint("payments").extra_dict()["open"] == {}

    run4 = env.run()
    assert run4.report_dict()["Načteno faktur"] == 0 and run4.ok_count == 0


def test_paging_reads_every_invoice(env: Env) -> None:
    orders = [env.order("on-hold") for _ in range(5)]
    for order in orders:
        env.emu.mark_paid(env.invoice(order["number"], "100"))
    run = env.run(options={"page_size": 2})
    assert run.status == "ok" and run.ok_count == 5
    assert run.pohoda_requests == 3
    assert all(env.shop(o["id"])["status"] == "processing" for o in orders)


def test_dry_run_previews_without_writing(env: Env) -> None:
    order = env.order("on-hold")
    env.emu.mark_paid(env.invoice(order["number"], "100"))
    writes = env.writes()
    run = env.run(dry_run=True)
    assert run.status == "ok"
    assert env.writes() == writes
    assert env.shop(order["id"])["status"] == "on-hold"
    assert ledger.get_entry("payments", order["number"]) is None
    assert ledger.get_checkpoint("payments") is None
    assert rows_of(run.report_dict(), TO_MARK)[order["number"]]["Výsledek"].startswith("Náhled")
    assert [e.state for e in ledger.run_events(run.id)] == ["preview"]
    real = env.run()
    assert real.ok_count == 1 and env.shop(order["id"])["status"] == "processing"


def test_mserver_down_fails_with_czech_message_and_keeps_the_watermark(env: Env) -> None:
    env.emu.set_faults(down=True)
    run = env.run()
    assert run.status == "failed"
    assert "mServer" in run.message
    assert ledger.get_checkpoint("payments") is None


# --------------------------------------------------------------------------- upload route through the job


def test_upload_recheck_holds_an_order_cancelled_after_the_preview(env: Env) -> None:
    keep, cancel = env.order("on-hold"), env.order("on-hold")
    data = csv_bytes([("FV1", "4.3.2025", keep["number"], "100,00", "0,00", "5.3.2025"),
                      ("FV2", "4.3.2025", cancel["number"], "100,00", "0,00", "5.3.2025")])
    upload = preview.prepare_upload(env.settings, default_connections(), data, "export.csv", owner="t")
    assert [m.order_number for m in upload.plan.to_mark_paid] == [keep["number"], cancel["number"]]
    env.woo.set_order_status(cancel["id"], "cancelled")
    run = env.run("upload", options={"upload_id": upload.id})
    assert run.status == "ok" and run.ok_count == 1 and run.held_count == 1
    assert env.shop(keep["id"])["status"] == "processing"
    assert env.shop(cancel["id"])["status"] == "cancelled"
    assert "_pohoda_invoice_number" not in env.meta(cancel["id"])
    row = rows_of(run.report_dict(), TO_MARK)[cancel["number"]]
    assert "cancelled" in row["Výsledek"]


def test_upload_of_a_missing_plan_fails_clearly(env: Env) -> None:
    run = env.run("upload", options={"upload_id": "A" * 24})
    assert run.status == "failed"
    assert "Nahrajte export z POHODY znovu" in run.message


# --------------------------------------------------------------------------- command line


def test_cli_preview_then_apply_then_nothing_changes(env: Env, tmp_path: Path) -> None:
    on_hold, pending, completed, partly = (env.order("on-hold"), env.order("pending"), env.order("completed"),
                                           env.order("on-hold"))
    path = tmp_path / "faktury.csv"
    path.write_bytes(csv_bytes([
        ("26FV0001", "4.3.2025", on_hold["number"], "1 210,00", "0,00", "6.3.2025"),
        ("26FV0002", "4.3.2025", f"#{pending['number']}", "500,00", "0,50", ""),
        ("26FV0003", "4.3.2025", completed["number"], "100,00", "0,00", "6.3.2025"),
        ("26FV0004", "4.3.2025", partly["number"], "1 000,00", "400,00", "6.3.2025"),
        ("26FV0005", "4.3.2025", "770077", "100,00", "0,00", "6.3.2025"),
        ("26FV0006", "4.3.2025", "1", "neplatí", "0,00", ""),
    ]))
    writes = env.writes()
    ledger.database.close()  # the CLI opens the ledger itself

    out = io.StringIO()
    code = cli.import_payments_cli(env.settings, path, apply=False, out=out)
    text = out.getvalue()
    assert code == 1, text  # one line of the file is broken
    assert env.writes() == writes
    assert f"{TO_MARK}" in text and "770077" in text and "Řádek" in text and "není částka" in text
    assert "--apply" in text
    assert env.shop(on_hold["id"])["status"] == "on-hold"

    out = io.StringIO()
    code = cli.import_payments_cli(env.settings, path, apply=True, out=out)
    assert code == 1, out.getvalue()
    assert env.shop(on_hold["id"])["status"] == "processing"
    assert env.shop(pending["id"])["status"] == "processing", "0,50 left is within the 1 Kč tolerance"
    assert env.shop(completed["id"])["status"] == "completed"
    assert env.shop(partly["id"])["status"] == "on-hold"
    assert env.meta(pending["id"])["_pohoda_paid_date"] == "2025-03-04", "no payment date → the invoice date"
    run = ledger.last_run("payments")
    assert run is not None and run.trigger == "cli" and run.status == "ok"
    assert f"Běh #{run.id}: ok" in out.getvalue()
    uploads = list((env.settings.data_dir / "uploads").glob("*.meta.json"))
    assert len(uploads) == 2
    applied = [load_upload(env.settings.data_dir, p.name.split(".")[0]) for p in uploads]
    assert sorted(u.run_id or 0 for u in applied if u) == [0, run.id]

    writes = env.writes()
    out = io.StringIO()
    code = cli.import_payments_cli(env.settings, path, apply=True, out=out)
    assert env.writes() == writes, "the same file again changes nothing"
    assert "Náhled" not in out.getvalue()
    assert ledger.last_run("payments").ok_count == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.4 binary", "PDF"),
        (b"PK\x03\x04zipzip", "XLSX"),
        ("Číslo;Datum;Celkem\r\nFV1;1.1.2025;100\r\n".encode("cp1250"), "Nalezená hlavička"),
        (b"", "prázdný"),
    ],
)
def test_cli_unusable_file(env: Env, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "spatne.csv"
    path.write_bytes(content)
    ledger.database.close()
    out = io.StringIO()
    assert cli.import_payments_cli(env.settings, path, apply=True, out=out) == 2
    assert expected in out.getvalue()
    assert env.writes() == 0


def test_cli_missing_file(env: Env, tmp_path: Path) -> None:
    out = io.StringIO()
    assert cli.import_payments_cli(env.settings, tmp_path / "neni.csv", apply=False, out=out) == 2
    assert "nelze přečíst" in out.getvalue()


def test_a_refused_order_is_recorded_and_the_retry_marks_only_it(env: Env) -> None:
    good, bad = env.order("pending"), env.order("on-hold")
    for order in (good, bad):
        env.emu.mark_paid(env.invoice(order["number"], "100"))
    # only on-hold awaits payment here, so `good` keeps its status (meta + note) and `bad` gets a status the shop refuses
    wrong = replace(env.settings, payments=replace(env.settings.payments, paid_status="zaplaceno-neexistuje",
                                                   awaiting_statuses=("on-hold",)))
    env.settings, right = wrong, env.settings
    run = env.run()
    assert run.status == "partial", run.message
    assert run.ok_count == 1 and run.error_count == 1
    entry = ledger.get_entry("payments", bad["number"])
    assert entry is not None and entry.state == "error" and entry.error
    assert env.shop(bad["id"])["status"] == "on-hold"
    assert ledger.get_checkpoint("payments") is None, "a run with failures keeps the watermark"
    keys = ledger.run_event_keys(run.id, "error")
    assert keys == [bad["number"]]

    env.settings = right
    writes = env.writes()
    retry = env.run("retry", options={"keys": keys})
    assert retry.status == "ok" and retry.ok_count == 1
    assert env.shop(bad["id"])["status"] == "processing"
    assert ledger.get_entry("payments", bad["number"]).state == "ok"
    assert env.writes() - writes == 2, "one order updated and one note, the good order untouched"
    assert ledger.get_checkpoint("payments") is None, "a retry of some keys does not move the watermark"


@pytest.mark.parametrize("parallel", [1, 4])
def test_orders_are_marked_paid_up_to_parallel_requests_at_once(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                                 parallel: int) -> None:
    """Each order's shop calls are independent: with a slow shop they overlap, and every order is recorded."""
    orders = [env.order("on-hold") for _ in range(8)]
    for order in orders:
        env.emu.mark_paid(env.invoice(order["number"], order["total"]))
    env.settings = replace(env.settings, eshop=replace(env.settings.eshop, parallel_requests=parallel))
    env.woo.set_faults(latency_ms=150)
    updates = in_flight_peaks(monkeypatch, "/orders/")
    run = env.run()
    assert run.status == "ok" and run.ok_count == 8, run.message
    assert updates["peak"] == (4 if parallel == 4 else 1)
    for order in orders:
        assert env.shop(order["id"])["status"] == "processing"
        entry = ledger.get_entry("payments", order["number"])
        assert entry is not None and entry.state == "ok"

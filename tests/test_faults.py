"""Every fault switch of both emulators against every job: a defined end, a Czech message, an intact ledger.

For each (job, fault): the job first runs fault-free over part of the data
(so a watermark, pairing and ledger rows exist), more work arrives, the fault
is switched on and the job runs again. That run must end ``failed``,
``partial`` or ``interrupted`` (``ok`` only where the fault is survivable:
slowness, a single 503/429) — never ``running``, never the crash message —
with a Czech message that says what to do. No ledger row may be duplicated.
Then the fault is cleared and the job runs again (up to three times) until it
is ``ok``; the final state of both emulators must equal a fault-free
reference run of the same scenario (built once per job): every order in POHODA
exactly once, every shop order marked exactly once (notes counted), every
stock value in the shop exact, nothing left ``sending``.

The clients' retry backoff is shortened through a small Connections subclass
(the real clients, only ``backoff``/``sleep`` changed); read timeouts are
short in the settings so hangs end quickly.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import (
    CustomersSettings,
    EshopSettings,
    InvoicesSettings,
    OrdersSettings,
    PaymentsSettings,
    PohodaSettings,
    ProductsSettings,
    Settings,
    StockSettings,
)
from adapter.emulators import catalogue
from adapter.emulators import mserver as mserver_module
from adapter.emulators import woocommerce as woo_module
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.eshop.base import Eshop, connect
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import invoice_item
from adapter.records import Address, DocLine, InvoiceDoc
from adapter.sync.connections import DefaultConnections, eshop_connection
from adapter.sync.runner import JobRunner

pytestmark = pytest.mark.slow  # ~3 minutes on 2 cores: 22 faults × 6 jobs, each with a reference and reruns

ICO = "12345678"
CATALOGUE = 40
CRASH_TEXT = "Neočekávaná chyba"
#: words a Czech message uses to tell the user what to do
ACTION = re.compile(r"zkontrolujte|spusťte|zkuste|opravte|vyplňte|zopakujte|znovu|ověřte|počkejte|zavřete|"
                    r"nastavte|přidělte|povolte|zadejte|kontaktujte|vytvořte|vložte|upravte|doplňte|spárujte|obnovte|"
                    r"příštím běhu|při dalším běhu", re.IGNORECASE)
#: what a note of each job starts with (counted per shop order)
TRANSFER_NOTE = "Přeneseno do POHODY"
PAID_NOTE = "Zaplaceno dle POHODA"
#: adapter/errors.py PackError: POHODA's note only, no advice (requested from the core owner)
KNOWN_GAP = "POHODA odmítla celou dávku:"


# --------------------------------------------------------------------------- fast, real connections


@dataclass(frozen=True)
class FastConnections(DefaultConnections):
    """The real clients with a short retry backoff; every sleep they ask for is recorded."""

    sleeps: list[float] = field(default_factory=list)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def pohoda(self, settings: Settings) -> MServerClient:
        """The real mServer client, retries 2 with a 10 ms backoff."""
        p = settings.pohoda
        return MServerClient(p.base_url, p.user, p.password, p.ico, application=p.application,
                             connect_timeout=p.connect_timeout, read_timeout=p.read_timeout, retries=2,
                             backoff=0.01, sleep=self._sleep)

    def eshop(self, settings: Settings) -> Eshop:
        """The real shop connector, 3 attempts, a 10 ms backoff, Retry-After recorded instead of slept."""
        conn = replace(eshop_connection(settings), attempts=3, backoff=0.01, backoff_max=0.02, timeout_connect=1.0)
        return connect(conn, sleep=self._sleep)


# --------------------------------------------------------------------------- the environment


def free_port() -> int:
    """A TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Env:
    """Both emulators, settings for them, the real runner with fast connections."""

    ms: MServerEmulator
    woo: WooEmulator
    settings: Settings
    connections: FastConnections
    skus: list[str]
    n: int = 0

    def run(self, agenda: str, **kw: Any) -> ledger.Run:
        """Run ``agenda`` inline through the real runner."""
        settings = self.settings
        run, ran = JobRunner(lambda: settings, self.connections).run_inline(agenda, "cli", **kw)
        assert ran
        return run

    def order(self, n_lines: int, status: str = "completed") -> dict[str, Any]:
        """A new shop order with ``n_lines`` paired stock lines."""
        self.n += 1
        lines = [(self.skus[(self.n * 3 + k) % len(self.skus)], 1 + (self.n + k) % 3) for k in range(n_lines)]
        return self.woo.add_order(list({s: (s, q) for s, q in lines}.values()), status=status)

    def invoice_paid(self, order: dict[str, Any]) -> None:
        """An issued invoice for a shop order in POHODA, fully paid (as the accountant would book it)."""
        doc = InvoiceDoc(key=f"f-{order['number']}", date=date(2025, 3, 4), partner=Address(name="Jana Nováková"),
                         lines=(DocLine(text="Zboží z e-shopu", quantity=Decimal(1),
                                        unit_price=Decimal(order["total"])),), number_order=order["number"])
        with MServerClient(self.ms.url, "admin", "heslo", ICO, retries=0) as client:
            result = client.send(build_pack([invoice_item(doc)], ico=ICO, pack_id=f"seed-{order['number']}"))
        assert result.items[0].state == "ok" and result.items[0].produced is not None
        self.ms.mark_paid(result.items[0].produced.number, on=date(2025, 3, 10))

    def customer(self, i: int) -> None:
        """A registered shop customer."""
        self.woo.objects.create_customer({
            "email": f"zakaznik.{i}@example.cz", "first_name": "Jiří", "last_name": f"Dvořák {i}",
            "billing": {"first_name": "Jiří", "last_name": f"Dvořák {i}", "address_1": f"Náměstí Míru {i}",
                        "city": "Žďár nad Sázavou", "postcode": "59101", "country": "CZ", "phone": "602123456",
                        "email": f"zakaznik.{i}@example.cz"},
        })

    def product(self, i: int) -> None:
        """A new shop product POHODA has no card for."""
        self.woo.objects.create_product({"name": f"Nový výrobek {i} – šálek", "type": "simple", "sku": f"NOVY-{i:03d}",
                                         "regular_price": f"{100 + i}.00", "status": "publish",
                                         "manage_stock": True, "stock_quantity": 5})

    # ---------------------------------------------------------------- inspection

    def notes(self, order_id: int, prefix: str) -> int:
        """How many private notes of the order start with ``prefix``."""
        return sum(1 for n in self.woo.notes(order_id) if n["note"].startswith(prefix))

    def meta(self, order_id: int) -> dict[str, str]:
        """The stored order meta (protected keys included)."""
        doc = self.woo._store.get("orders", order_id)
        return {m["key"]: m["value"] for m in doc.get("meta_data", [])}


def make_settings(data_dir: Path, ms_url: str, woo_url: str) -> Settings:
    """Short timeouts, every agenda enabled, the watermark overlaps at zero where the job allows it."""
    return Settings(
        data_dir=data_dir,
        pohoda=PohodaSettings(url=ms_url, user="admin", password="heslo", ico=ICO, connect_timeout=1.0,
                              read_timeout=1.0),
        eshop=EshopSettings(url=woo_url, consumer_key="ck_test", consumer_secret="cs_test", timeout=1.0),
        orders=OrdersSettings(transfer_statuses=("completed",), batch_size=3),
        invoices=InvoicesSettings(enabled=True, batch_size=3),
        stock=StockSettings(overlap_minutes=0),
        products=ProductsSettings(enabled=True, storage="Zboží", price_type="SK"),
        customers=CustomersSettings(enabled=True),
        payments=PaymentsSettings(overlap_minutes=0),
    )


@pytest.fixture(name="fast_sockets")
def fast_sockets_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """TCP_NODELAY on both emulators' handlers (no 40 ms delayed-ACK waits)."""
    monkeypatch.setattr(mserver_module._Handler, "disable_nagle_algorithm", True, raising=False)
    monkeypatch.setattr(woo_module._Handler, "disable_nagle_algorithm", True, raising=False)


def single_skus() -> list[str]:
    """Simple shop SKUs that pair to exactly one POHODA card in the seeded catalogue."""
    cat = catalogue.generate(1, CATALOGUE)
    stores = {c.code: len(c.stores) for c in cat.cards}
    dup = set(cat.duplicate_skus)
    return [p.sku for p in cat.products
            if p.sku and p.kind == "simple" and stores.get(p.sku) == 1 and p.sku not in dup]


@pytest.fixture
def env_factory(tmp_path: Path, fast_sockets: None) -> Iterator[Callable[[str], Env]]:
    """Fresh emulators and ledger per scenario (the reference gets its own folder)."""
    started: list[Any] = []

    def make(name: str) -> Env:
        root = tmp_path / name
        seed_cards = 0 if name.startswith("products") else CATALOGUE
        ms = MServerEmulator(root / "ms", seed_stock=seed_cards)
        woo = WooEmulator(root / "woo", seed_products=CATALOGUE)
        ms.start()
        woo.start()
        started.extend([ms, woo])
        if not ledger.database.is_closed():
            ledger.database.close()
        ledger.init_db(root / "adapter" / "ledger.db")
        return Env(ms=ms, woo=woo, settings=make_settings(root / "adapter", ms.url, woo.url),
                   connections=FastConnections(), skus=single_skus())

    yield make
    ledger.database.close()
    for emu in reversed(started):
        emu.stop()


# --------------------------------------------------------------------------- scenarios per job


@dataclass(frozen=True)
class Scenario:
    """How to prepare a job's work in two parts, and what its final state looks like."""

    agenda: str
    first: Callable[[Env], None]  #: data before the fault-free first run
    more: Callable[[Env], None]  #: data arriving before the faulted run
    snapshot: Callable[[Env], dict[str, Any]]
    pre_agendas: tuple[str, ...] = ()  #: other jobs run fault-free before this one (orders before invoices)


def _orders_first(env: Env) -> None:
    for n in range(3):
        env.order(1 + n % 3)


def _orders_more(env: Env) -> None:
    for n in range(7):
        env.order(1 + n % 4)


def _orders_snapshot(env: Env) -> dict[str, Any]:
    got = env.ms.received_orders()
    by_ext = Counter(o.ext_id for o in got)
    numbers = {o.ext_id: o.number for o in got}
    shop = {}
    for order in env.woo.orders():
        if order["status"] != "completed":
            continue
        oid = order["id"]
        shop[oid] = (env.notes(oid, TRANSFER_NOTE), env.meta(oid).get("_pohoda_number") == numbers.get(str(oid)))
    return {"in_pohoda": dict(by_ext), "totals": sorted((o.ext_id, str(o.total), len(o.lines)) for o in got),
            "shop": shop}


def _invoices_first(env: Env) -> None:
    _orders_first(env)


def _invoices_more(env: Env) -> None:
    _orders_more(env)
    run = env.run("orders")
    assert run.status == "ok", run.message


def _invoices_snapshot(env: Env) -> dict[str, Any]:
    got = env.ms.issued_invoices()
    return {"in_pohoda": dict(Counter(i.number_order for i in got)),
            "totals": sorted((i.number_order, str(i.total)) for i in got),
            "orders": _orders_snapshot(env)}


def _stock_first(env: Env) -> None:
    for n, sku in enumerate(env.skus[:4]):
        env.ms.set_stock(sku, Decimal(100 + n))


def _stock_more(env: Env) -> None:
    for n, sku in enumerate(env.skus[4:10]):
        env.ms.set_stock(sku, Decimal(200 + n))


def _stock_snapshot(env: Env) -> dict[str, Any]:
    return {"shop": sorted((p.get("sku") or "", p["id"], p.get("stock_quantity")) for p in env.woo.products())}


def _products_first(env: Env) -> None:
    env.product(1)


def _products_more(env: Env) -> None:
    for i in range(2, 6):
        env.product(i)


def _products_snapshot(env: Env) -> dict[str, Any]:
    return {"cards": dict(Counter(c.code for c in env.ms.stock_cards())),
            "receipts": len(env.ms.receipts())}


def _customers_first(env: Env) -> None:
    for i in range(3):
        env.customer(i)


def _customers_more(env: Env) -> None:
    for i in range(3, 8):
        env.customer(i)


def _customers_snapshot(env: Env) -> dict[str, Any]:
    return {"addresses": dict(Counter((a.address.email, a.address.name, a.ext_id) for a in env.ms.addresses()))}


def _payments_first(env: Env) -> None:
    for _ in range(2):
        env.invoice_paid(env.order(1, status="on-hold"))


def _payments_more(env: Env) -> None:
    for n in range(5):
        order = env.order(1, status="on-hold")
        if n != 2:  # one stays unpaid
            env.invoice_paid(order)


def _payments_snapshot(env: Env) -> dict[str, Any]:
    return {"shop": {o["id"]: (o["status"], env.notes(o["id"], PAID_NOTE),
                               bool(env.meta(o["id"]).get("_pohoda_invoice_number")))
                     for o in env.woo.orders()}}


SCENARIOS = {
    "orders": Scenario("orders", _orders_first, _orders_more, _orders_snapshot),
    "invoices": Scenario("invoices", _invoices_first, _invoices_more, _invoices_snapshot, pre_agendas=("orders",)),
    "stock": Scenario("stock", _stock_first, _stock_more, _stock_snapshot),
    "products": Scenario("products", _products_first, _products_more, _products_snapshot),
    "customers": Scenario("customers", _customers_first, _customers_more, _customers_snapshot),
    "payments": Scenario("payments", _payments_first, _payments_more, _payments_snapshot),
}


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """One fault switch: how to turn it on and off, and whether a run may survive it."""

    side: str  #: "pohoda" or "shop"
    on: Callable[[Env], None]
    off: Callable[[Env], None]
    survivable: bool = False  #: the run may end ok (slowness, one transient answer)
    #: the faulted run must end failed (False: failed or partial or interrupted)
    fails: bool = True
    #: switch on mid-run: once this counter of the emulators has grown by ``after`` during the run
    probe: Callable[[Env], int] | None = None
    after: int = 1


def _ms(**kw: Any) -> Callable[[Env], None]:
    return lambda env: env.ms.set_faults(**kw)


def _woo(**kw: Any) -> Callable[[Env], None]:
    return lambda env: env.woo.set_faults(**kw)


def _ms_clear(env: Env) -> None:
    env.ms.clear_faults()


def _woo_clear(env: Env) -> None:
    env.woo.clear_faults()


def _shop_url(env: Env, url: str) -> None:
    env.settings = replace(env.settings, eshop=replace(env.settings.eshop, url=url))


def _shop_keys(env: Env, secret: str) -> None:
    env.settings = replace(env.settings, eshop=replace(env.settings.eshop, consumer_secret=secret))


FAULTS: dict[str, Fault] = {
    "pohoda_down": Fault("pohoda", _ms(down=True), _ms_clear),
    "pohoda_slow": Fault("pohoda", _ms(latency_ms=150, latency_per_item_ms=10), _ms_clear, survivable=True),
    "pohoda_timeout": Fault("pohoda", _ms(latency_ms=1500), _ms_clear, fails=False),
    "pohoda_busy_503": Fault("pohoda", _ms(busy=True), _ms_clear),
    "pohoda_busy_once": Fault("pohoda", _ms(busy=1), _ms_clear, survivable=True),
    "pohoda_html_login": Fault("pohoda", _ms(html_login=True), _ms_clear),
    "pohoda_401": Fault("pohoda", _ms(unauthorized=True), _ms_clear),
    "pohoda_pack_error": Fault("pohoda", _ms(pack_error="Databáze je uzamčena jiným uživatelem."), _ms_clear,
                               fails=False),
    "pohoda_item_errors": Fault("pohoda", _ms(item_error_rate=0.5), _ms_clear, survivable=True, fails=False),
    "pohoda_cut_response": Fault("pohoda", _ms(cut_response=True), _ms_clear, fails=False),
    "shop_down": Fault("shop", lambda env: _shop_url(env, f"http://127.0.0.1:{free_port()}"),
                       lambda env: _shop_url(env, env.woo.url)),
    "shop_slow": Fault("shop", _woo(latency_ms=60), _woo_clear, survivable=True),
    "shop_429": Fault("shop", _woo(rate_limit=1000, retry_after=2), _woo_clear, fails=False),
    "shop_429_once": Fault("shop", _woo(rate_limit=1, retry_after=2), _woo_clear, survivable=True),
    "shop_500": Fault("shop", _woo(server_error=1000), _woo_clear, fails=False),
    "shop_html": Fault("shop", _woo(html_page=True), _woo_clear, fails=False),
    "shop_hang": Fault("shop", _woo(hang=2.5), _woo_clear, fails=False),
    "shop_401": Fault("shop", lambda env: _shop_keys(env, "cs_wrong"), lambda env: _shop_keys(env, "cs_test")),
}


def _ms_requests(env: Env) -> int:
    return int(env.ms.stats()["requests"])


def _woo_writes(env: Env) -> int:
    return int(env.woo.stats()["write_calls"])


#: the same switches flipped mid-run (after the run's first requests), so work is half done when they hit;
#: a job that never gets that far runs fault-free (ok), and the exactness checks still apply
FAULTS.update({
    "pohoda_cut_mid": Fault("pohoda", _ms(cut_response=True, latency_per_item_ms=20), _ms_clear, survivable=True,
                            fails=False, probe=_ms_requests, after=2),
    "pohoda_down_mid": Fault("pohoda", _ms(down=True), _ms_clear, survivable=True, fails=False,
                             probe=_ms_requests, after=2),
    "shop_500_mid": Fault("shop", _woo(server_error=1000), _woo_clear, survivable=True, fails=False,
                          probe=_woo_writes, after=1),
    "shop_hang_mid": Fault("shop", _woo(hang=2.5), _woo_clear, survivable=True, fails=False,
                           probe=_woo_writes, after=1),
})

CASES = [(job, fault) for job in SCENARIOS for fault in FAULTS]


# --------------------------------------------------------------------------- checks


def ledger_intact() -> None:
    """No (agenda, key) twice."""
    rows = Counter((e.agenda, e.key) for e in ledger.Entry.select(ledger.Entry.agenda, ledger.Entry.key))
    doubled = [k for k, n in rows.items() if n > 1]
    assert not doubled, f"duplicated ledger rows: {doubled}"


def sending_rows() -> list[str]:
    """Keys of ledger rows still in ``sending``."""
    return [f"{e.agenda}:{e.key}" for e in ledger.Entry.select().where(ledger.Entry.state == "sending")]


def run_error_messages(run: ledger.Run) -> list[str]:
    """Messages of the run's per-document error events."""
    return [e.message for e in ledger.RunEvent.select().where((ledger.RunEvent.run == run.id)
                                                               & (ledger.RunEvent.state == "error"))]


def fill_lost_notes(snapshot: Any) -> Any:
    """The snapshot with every marked shop order's missing note counted as present (for the known gap)."""
    if isinstance(snapshot, dict):
        return {k: fill_lost_notes(v) for k, v in snapshot.items()}
    if isinstance(snapshot, tuple) and snapshot and snapshot[-1] is True:
        at = next((i for i, v in enumerate(snapshot) if type(v) is int), None)
        if at is not None and snapshot[at] == 0:
            return (*snapshot[:at], 1, *snapshot[at + 1:])
    return snapshot


def prepare(env: Env, scenario: Scenario) -> None:
    """The fault-free first part: data, a first run of the job (and its prerequisites)."""
    scenario.first(env)
    for agenda in (*scenario.pre_agendas, scenario.agenda):
        run = env.run(agenda)
        assert run.status == "ok", (agenda, run.message)
    scenario.more(env)


def finish(env: Env, agenda: str) -> list[ledger.Run]:
    """Run until ok (at most three times); returns the runs."""
    runs = []
    for _ in range(3):
        run = env.run(agenda)
        runs.append(run)
        assert run.status in ("ok", "partial"), (run.status, run.message)
        if run.status == "ok":
            break
    return runs


_REFERENCE: dict[str, dict[str, Any]] = {}


def reference(env_factory: Callable[[str], Env], job: str) -> dict[str, Any]:
    """The fault-free final state of the job's scenario (built once per job)."""
    if job not in _REFERENCE:
        env = env_factory(f"{job}-reference")
        scenario = SCENARIOS[job]
        prepare(env, scenario)
        runs = finish(env, scenario.agenda)
        assert [r.status for r in runs] == ["ok"], [(r.status, r.message) for r in runs]
        _REFERENCE[job] = scenario.snapshot(env)
    return _REFERENCE[job]


@contextlib.contextmanager
def switched_on(env: Env, fault: Fault) -> Iterator[None]:
    """The fault on for the block: at once, or mid-run once its probe has grown by ``after``."""
    if fault.probe is None:
        fault.on(env)
        try:
            yield
        finally:
            fault.off(env)
        return
    probe, stop = fault.probe, threading.Event()
    if fault.side == "pohoda":
        env.ms.set_faults(latency_per_item_ms=20)  # room for the switch to land between two requests
    base = probe(env)

    def watch() -> None:
        while not stop.wait(0.002):
            if probe(env) >= base + fault.after:
                fault.on(env)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
        fault.off(env)


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize(("job", "fault_name"), CASES)
def test_fault_ends_defined_and_a_clean_rerun_completes_exactly(env_factory: Callable[[str], Env], job: str,
                                                                fault_name: str) -> None:
    expected = reference(env_factory, job)
    scenario, fault = SCENARIOS[job], FAULTS[fault_name]
    env = env_factory(f"{job}-{fault_name}")
    prepare(env, scenario)

    with switched_on(env, fault):
        run = env.run(scenario.agenda)
    allowed = {"failed"} if fault.fails else {"failed", "partial", "interrupted"}
    if fault.survivable:
        allowed |= {"ok", "partial"}
    assert run.status in allowed, (run.status, run.message)
    assert run.finished_at is not None
    assert CRASH_TEXT not in run.message, run.message
    assert run.message.strip(), "the run ended without a message"
    if run.status == "partial" or run.error_count:  # failed by its documents: the reasons are per document
        errors = run_error_messages(run)
        assert errors and all(m.strip() for m in errors), "a failed document without POHODA's reason"
    if fault_name == "shop_429_once":
        assert 2 in env.connections.sleeps, f"Retry-After not honoured: {env.connections.sleeps}"
    ledger_intact()

    runs = finish(env, scenario.agenda)
    assert runs[-1].status == "ok", [(r.status, r.message) for r in runs]
    ledger_intact()
    assert sending_rows() == [], "rows left in sending after a clean run"
    state = scenario.snapshot(env)
    gaps = []
    if state != expected:
        assert fill_lost_notes(state) == expected  # anything but a lost note fails here
        gaps.append("a marked shop order lost its private note (the note call failed after the order update, "
                    "and the repeat call sees the meta and adds none)")

    if run.status == "failed" and not run.error_count:  # last, so a known gap never hides a broken ledger or state
        assert re.search(r"[ěščřžýáíéůúňťď]", run.message, re.IGNORECASE), run.message
        if not ACTION.search(run.message):
            if not run.message.startswith(KNOWN_GAP):
                pytest.fail(f"the message does not say what to do: {run.message}")
            gaps.append(f"PackError's message says no action: {run.message}")
    if gaps:
        pytest.xfail("known gap (reported): " + "; ".join(gaps))

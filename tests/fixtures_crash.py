"""The kill -9 trials' harness (room: crash): fresh emulators per trial, the CLI as a subprocess, the kill.

* ``trial_factory(number, cards, products)`` builds a :class:`Trial`: both emulators started in this
  process (with TCP_NODELAY on their handlers, so no write waits 40 ms for a delayed ACK) on a fresh data
  folder, seeded from the catalogue, and settings pointing at them; the previous trial's emulators are
  stopped, and the last ones at teardown. ``Trial.rng`` is ``random.Random(number)``.
* :meth:`Trial.kill` starts ``python app.py sync AGENDA --data DIR`` and SIGKILLs it at a random point;
  :func:`rerun_until_ok` runs it again until it exits 0; :func:`ledger_facts` reads what the ledger kept.
* ``TRIALS`` trials per job (``CRASH_TRIALS``, 20 by default); :func:`report` prints where the kills landed.

Used by ``tests/test_crash_trials.py`` and the crash trials under ``tests/sync/``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from adapter import config, ledger
from adapter.config import (
    EshopSettings,
    OrdersSettings,
    PaymentsSettings,
    PohodaSettings,
    Settings,
    StockSettings,
)
from adapter.emulators import catalogue
from adapter.emulators import mserver as mserver_module
from adapter.emulators import woocommerce as woo_module
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.sync.connections import DefaultConnections
from adapter.sync.runner import JobRunner

ROOT = Path(__file__).resolve().parents[1]
ICO = "12345678"
TRIALS = int(os.environ.get("CRASH_TRIALS", "20"))


@dataclass
class Trial:
    """One trial's emulators, data folder and settings."""

    number: int
    rng: random.Random
    ms: MServerEmulator
    woo: WooEmulator
    data: Path
    settings: Settings

    def save_settings(self) -> None:
        """Write the settings where the CLI reads them."""
        out = {}
        for name in config.SECTIONS:
            section = getattr(self.settings, name)
            out[name] = {f.name: getattr(section, f.name) for f in fields(section)}
        config.save_settings(self.data, out)

    def run_inline(self, agenda: str) -> ledger.Run:
        """A fault-free run in this process (the set-up before the killed one)."""
        settings = self.settings
        ledger.init_db(self.data / "ledger.db")
        try:
            with ledger.database.connection_context():
                run, _ = JobRunner(lambda: settings, DefaultConnections()).run_inline(agenda, "cli")
        finally:
            ledger.database.close()
        return run

    def meta(self, order_id: int) -> dict[str, str]:
        """Stored order meta (protected keys included)."""
        doc = self.woo._store.get("orders", order_id)
        assert doc is not None, order_id
        return {m["key"]: m["value"] for m in doc.get("meta_data", [])}

    def notes(self, order_id: int, prefix: str) -> int:
        """Private notes of an order starting with ``prefix``."""
        return sum(1 for n in self.woo.notes(order_id) if n["note"].startswith(prefix))

    def kill(self, agenda: str, target: int, probe: Callable[[], int], early: tuple[float, float], extra: float,
             *args: str) -> bool:
        """Start ``app.py sync AGENDA`` and SIGKILL it ``uniform(0, extra)`` s after the kill point: with
        ``target`` 0 ``uniform(*early)`` s after the start, else once ``probe()`` reaches ``target``.
        False when the run finished first."""
        proc = sync(self.data, agenda, *args)
        return kill_when(proc, kill_point(target, self.rng.uniform(*early), probe), self.rng.uniform(0, extra))


@pytest.fixture
def trial_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int, int, int], Trial]]:
    """Fresh emulators (in this process, TCP_NODELAY on their handlers) and a fresh data folder per trial."""
    monkeypatch.setattr(mserver_module._Handler, "disable_nagle_algorithm", True, raising=False)
    monkeypatch.setattr(woo_module._Handler, "disable_nagle_algorithm", True, raising=False)
    current: list[Any] = []

    def make(number: int, cards: int, products: int) -> Trial:
        for emu in current:
            emu.stop()
        current.clear()
        root = tmp_path / f"trial-{number}"
        ms = MServerEmulator(root / "ms", seed_stock=cards)
        woo = WooEmulator(root / "woo", seed_products=products)
        ms.start()
        woo.start()
        current.extend([ms, woo])
        settings = Settings(
            data_dir=root / "data",
            pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico=ICO),
            eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
            orders=OrdersSettings(transfer_statuses=("completed",)),
            stock=StockSettings(overlap_minutes=0),
            payments=PaymentsSettings(overlap_minutes=0),
        )
        return Trial(number, random.Random(number), ms, woo, root / "data", settings)

    yield make
    for emu in current:
        emu.stop()


def sync(data: Path, agenda: str, *extra: str) -> subprocess.Popen[bytes]:
    """``python app.py sync AGENDA --data DIR`` as a subprocess."""
    return subprocess.Popen([sys.executable, "app.py", "sync", agenda, "--data", str(data), *extra], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_point(target: int, early: float, probe: Callable[[], int]) -> Callable[[], bool]:
    """When to kill: ``early`` seconds after the start (target 0), else once ``probe()`` reaches ``target``."""
    started = time.monotonic()
    if target == 0:
        return lambda: time.monotonic() - started > early
    return lambda: probe() >= target


def kill_when(proc: subprocess.Popen[bytes], reached: Callable[[], bool], extra: float,
              timeout: float = 60.0) -> bool:
    """SIGKILL the process ``extra`` seconds after ``reached()`` turns true; False when it finished first."""
    deadline = time.monotonic() + timeout
    while not reached():
        if proc.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.003)
    end = time.monotonic() + extra
    while time.monotonic() < end and proc.poll() is None:
        time.sleep(0.002)
    if proc.poll() is not None:
        proc.communicate()
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    return True


def rerun_until_ok(data: Path, agenda: str, tries: int = 2) -> int:
    """Run the sync again until it exits 0; returns how many runs it took."""
    for n in range(1, tries + 1):
        proc = sync(data, agenda)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            return n
    raise AssertionError(f"{agenda} did not finish ok after {tries} runs: {err.decode('utf-8', 'replace')[-800:]}")


def ledger_facts(data: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """(rows left in sending, doubled (agenda, key) rows) of a data folder's ledger."""
    ledger.init_db(data / "ledger.db")
    try:
        with ledger.database.connection_context():
            sending = [f"{e.agenda}:{e.key}" for e in ledger.Entry.select().where(ledger.Entry.state == "sending")]
            keys = Counter((e.agenda, e.key) for e in ledger.Entry.select(ledger.Entry.agenda, ledger.Entry.key))
    finally:
        ledger.database.close()
    return sending, [k for k, n in keys.items() if n > 1]


def single_skus(size: int) -> list[str]:
    """Simple shop SKUs that pair to exactly one single-warehouse POHODA card."""
    cat = catalogue.generate(1, size)
    stores = {c.code: len(c.stores) for c in cat.cards if c.in_shop}
    dup = set(cat.duplicate_skus)
    return [p.sku for p in cat.products
            if p.sku and p.kind == "simple" and p.role == "paired" and stores.get(p.sku) == 1 and p.sku not in dup]


def report(job: str, outcomes: Counter[str], reruns: Counter[int]) -> None:
    """Print the trial outcomes (shown with ``-s`` and in the captured output)."""
    print(f"\n{job}: {sum(outcomes.values())} trials; kill landed: "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
          + "; clean reruns needed: " + ", ".join(f"{k}× {v}" for k, v in sorted(reruns.items())))

"""kill -9 at random points of the states and documents jobs, then run again: every change once, no e-mail twice.

As in ``tests/test_crash_trials.py`` (the harness is ``tests/fixtures_crash.py``): fresh emulators and
data folder per trial, ``python app.py sync <agenda> --data DIR`` as a subprocess killed with SIGKILL after
a random delay, then run again until it exits 0. The SMTP server is a real loopback aiosmtpd in this process.

* states — every executed order carries the state meta, the completed status and exactly one POHODA
  note; the others are untouched; no row is left ``sending``;
* documents — no invoice is mailed twice; every invoice is mailed once, or (when the kill landed
  between committing ``mailing`` and the ledger's ``ok``) held for a person with at most one message.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from adapter import ledger
from adapter.config import DocumentsSettings, OrdersSettings, StatesSettings
from adapter.mail import MailSettings
from tests.fixtures_crash import Trial, ledger_facts, report, rerun_until_ok, single_skus
from tests.fixtures_mail import SmtpServer

pytestmark = pytest.mark.slow

TRIALS = int(os.environ.get("CRASH_TRIALS_WRITEBACK", "6"))


def prepared(t: Trial, smtp: SmtpServer, count: int) -> tuple[list[int], dict[int, str]]:
    """``count`` transferred orders; 2/3 executed (half of those invoiced); returns (executed ids, id → invoice no.)."""
    skus = single_skus(120)
    t.settings = replace(
        t.settings,
        orders=OrdersSettings(transfer_statuses=("processing",)),
        states=StatesSettings(enabled=True, status_map={"executed": "completed"}, overlap_minutes=0),
        documents=DocumentsSettings(enabled=True, report=1, overlap_minutes=0),
        mail=MailSettings(host=smtp.host, port=smtp.port, security="none", sender="f@obchod.cz"))
    ids = [t.woo.add_order([(skus[(n + t.number) % len(skus)], 1)], status="processing",
                           billing={"first_name": "Eva", "last_name": "Nová", "email": f"t{t.number}-{n}@example.cz"})["id"]
           for n in range(count)]
    assert t.run_inline("orders").ok_count == count
    ledger.init_db(t.data / "ledger.db")
    try:
        entries = {i: ledger.get_entry("orders", str(i)) for i in ids}
        numbers = {i: e.pohoda_number for i, e in entries.items() if e is not None}
        assert len(numbers) == count, entries
    finally:
        ledger.database.close()
    executed, invoices = [], {}
    for n, order_id in enumerate(ids):
        if n % 3 == 2:
            continue
        executed.append(order_id)
        if n % 2:
            invoices[order_id] = t.ms.invoice_order(numbers[order_id])["number"]
        else:
            t.ms.set_order_state(numbers[order_id], executed=True)
    t.save_settings()
    t.ms.set_faults(latency_ms=15)
    t.woo.set_faults(latency_ms=5)
    return executed, invoices


def pohoda_notes(t: Trial, order_id: int) -> int:
    return t.notes(order_id, "POHODA:")


def documents_states(t: Trial) -> dict[str, str]:
    ledger.init_db(t.data / "ledger.db")
    try:
        return {e.pohoda_number: e.state for e in ledger.Entry.select().where(ledger.Entry.agenda == "documents")}
    finally:
        ledger.database.close()


def test_states_and_documents_killed_at_random_points(trial_factory: Callable[[int, int, int], Trial],
                                                       smtp_server: SmtpServer) -> None:
    outcomes: Counter[str] = Counter()
    reruns: Counter[int] = Counter()
    for number in range(TRIALS):
        t = trial_factory(number, 120, 120)
        count = 12 + number % 5
        executed, invoices = prepared(t, smtp_server, count)
        noted = lambda t=t, executed=executed: sum(1 for i in executed if pohoda_notes(t, i))  # noqa: E731
        target = t.rng.randint(0, len(executed) - 1)  # orders already written when the kill comes (0: by time)
        killed = t.kill("states", target, noted, early=(0.2, 1.5), extra=0.05)
        outcomes["states killed" if killed else "states finished first"] += 1
        reruns[rerun_until_ok(t.data, "states")] += 1
        for order_id in [o["id"] for o in t.woo.orders()]:
            meta: dict[str, Any] = t.meta(order_id)
            if order_id in executed:
                assert t.woo.order(order_id)["status"] == "completed", order_id
                assert meta["_pohoda_state"] == "executed" and pohoda_notes(t, order_id) == 1, order_id
                assert meta.get("_pohoda_invoice_number") == invoices.get(order_id)
            else:
                assert "_pohoda_state" not in meta and pohoda_notes(t, order_id) == 0, order_id
        mailed = lambda n=number: sum(1 for m in smtp_server.messages if str(m["To"]).startswith(f"t{n}-"))  # noqa: E731
        target = t.rng.randint(0, len(invoices) - 1)
        killed = t.kill("documents", target, mailed, early=(0.2, 1.5), extra=0.03)
        outcomes["documents killed" if killed else "documents finished first"] += 1
        reruns[rerun_until_ok(t.data, "documents")] += 1
        sent = Counter(str(m["Subject"]).split()[1] for m in smtp_server.messages
                       if str(m["To"]).startswith(f"t{number}-"))
        assert all(n == 1 for n in sent.values()), sent  # never twice
        states = documents_states(t)
        assert set(states) == set(invoices.values())
        for invoice, state in states.items():
            assert state in ("ok", "held"), (invoice, state)
            if state == "ok":
                assert sent[invoice] == 1, invoice
            else:
                outcomes["held after a kill mid-send"] += 1
        sending, doubled = ledger_facts(t.data)
        assert sending == [] and doubled == []
    report("states + documents", outcomes, reruns)

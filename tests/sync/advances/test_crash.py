"""kill -9 during ``sync invoices`` with advance invoices, twice per trial: every document exactly once.

Each trial: prepaid orders are transferred; ``sync invoices`` (advance
invoices) is killed at a random point and run again until it exits 0; every
advance is paid in POHODA and the payments agenda marks the orders paid; the
orders are completed and ``sync invoices`` (final invoices deducting the
advances) is killed and re-run the same way. Then every order has exactly
one advance and one final invoice, each advance deducted exactly once, and
no ledger row is left ``sending``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest

from adapter.config import OrdersSettings
from adapter.config.eu import AdvancesSettings
from adapter.sync.advances.mapping import advance_key
from tests.fixtures_crash import (
    Trial,
    kill_point,
    kill_when,
    ledger_facts,
    rerun_until_ok,
    single_skus,
    sync,
)

pytestmark = pytest.mark.slow
TRIALS = int(os.environ.get("CRASH_TRIALS_ADVANCES", "6"))


def _killed_invoices_run(t: Trial, probe: Callable[[], int], count: int, agenda: str = "invoices") -> bool:
    t.ms.set_faults(latency_ms=20, latency_per_item_ms=t.rng.choice([5, 10, 20]))
    target = t.rng.randint(0, count - 1)
    killed = kill_when(sync(t.data, agenda), kill_point(target, t.rng.uniform(0.1, 1.5), probe),
                       t.rng.uniform(0, 0.1))
    t.ms.clear_faults()
    rerun_until_ok(t.data, agenda)
    return killed


def _by_ext(t: Trial) -> Counter[str]:
    return Counter(i.ext_id for i in t.ms.issued_invoices())


def test_advance_chains_killed_at_random_points(trial_factory: Callable[[int, int, int], Trial]) -> None:
    skus = single_skus(80)
    kills = 0
    for number in range(TRIALS):
        t = trial_factory(100 + number, 80, 80)
        count = t.rng.randint(8, 16)
        ids = []
        for n in range(count):
            lines = [(skus[(n * 5 + k + number) % len(skus)], 1 + (n + k) % 3) for k in range(1 + n % 3)]
            ids.append(t.woo.add_order(list({s: (s, q) for s, q in lines}.values()), status="on-hold",
                                       payment_method="bacs")["id"])
        t.settings = replace(t.settings, advances=AdvancesSettings(enabled=True),
                             orders=OrdersSettings(transfer_statuses=("on-hold", "processing", "completed")),
                             invoices=replace(t.settings.invoices, enabled=True,
                                              batch_size=t.rng.choice([2, 3, 5])))
        t.save_settings()
        assert t.run_inline("orders").status == "ok"
        kills += _killed_invoices_run(t, lambda ms=t.ms: len(ms.issued_invoices()), count)
        got = _by_ext(t)
        assert set(got) == {advance_key(i) for i in ids}, f"trial {number}: advances lost or extra"
        assert all(v == 1 for v in got.values()), f"trial {number}: an advance twice: {got}"
        numbers = {i.ext_id: i.number for i in t.ms.issued_invoices()}
        for oid in ids:
            t.ms.mark_paid(numbers[advance_key(oid)])
        assert t.run_inline("payments").status == "ok"
        for oid in ids:
            t.woo.set_order_status(oid, "completed")
        kills += _killed_invoices_run(t, lambda ms=t.ms, c=count: len(ms.issued_invoices()) - c, count)
        got = _by_ext(t)
        assert set(got) == {advance_key(i) for i in ids} | {str(i) for i in ids}, f"trial {number}"
        assert all(v == 1 for v in got.values()), f"trial {number}: a document twice: {got}"
        for oid in ids:
            advance = t.ms.advance_state(numbers[advance_key(oid)])
            assert advance is not None and advance["deducted"] == advance["total"], (number, oid, advance)
        sending, doubled = ledger_facts(t.data)
        assert sending == [] and doubled == [], (number, sending, doubled)
    print(f"advance chains: {TRIALS} trials, {kills} runs killed mid-way")


def test_tax_document_chains_killed_at_random_points(trial_factory: Callable[[int, int, int], Trial]) -> None:
    """``[advances] tax_document``: the payments run (tax documents) and the final invoices run killed mid-way."""
    skus = single_skus(80)
    kills = 0
    for number in range(max(2, TRIALS // 2)):
        t = trial_factory(300 + number, 80, 80)
        count = t.rng.randint(6, 12)
        ids = [t.woo.add_order([(skus[(n * 3 + number) % len(skus)], 1 + n % 2)], status="on-hold",
                               payment_method="bacs")["id"] for n in range(count)]
        t.settings = replace(t.settings, advances=AdvancesSettings(enabled=True, tax_document=True),
                             orders=OrdersSettings(transfer_statuses=("on-hold", "processing", "completed")),
                             invoices=replace(t.settings.invoices, enabled=True, batch_size=t.rng.choice([2, 3])))
        t.save_settings()
        assert t.run_inline("orders").status == "ok" and t.run_inline("invoices").status == "ok"
        numbers = {i.ext_id: i.number for i in t.ms.issued_invoices()}
        for oid in ids:
            t.ms.mark_paid(numbers[advance_key(oid)])
        kills += _killed_invoices_run(t, lambda ms=t.ms: len(ms.tax_documents()), count, "payments")
        for oid in ids:
            t.woo.set_order_status(oid, "completed")
        kills += _killed_invoices_run(t, lambda ms=t.ms, c=count: len(ms.issued_invoices()) - c, count)
        taxed = Counter(d.ext_id for d in t.ms.tax_documents())
        assert set(taxed) == {f"tax-{i}" for i in ids} and set(taxed.values()) == {1}, (number, taxed)
        got = _by_ext(t)
        assert set(got) == {advance_key(i) for i in ids} | {str(i) for i in ids} and set(got.values()) == {1}
        for oid in ids:
            advance = t.ms.advance_state(numbers[advance_key(oid)])
            assert advance is not None and advance["deducted"] == advance["total"], (number, oid, advance)
        sending, doubled = ledger_facts(t.data)
        assert sending == [] and doubled == [], (number, sending, doubled)
    print(f"tax document chains: {kills} runs killed mid-way")

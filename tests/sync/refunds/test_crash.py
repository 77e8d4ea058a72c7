"""kill -9 at random points of ``app.py sync refunds`` (20 seeded trials), then run again: nothing doubled, nothing lost.

Each trial builds fresh emulators in this process and a fresh data folder, transfers and invoices 12–24
orders in-process, refunds them (lines, amounts, whole orders) and cancels a few transferred but not
invoiced orders in the shop, then starts ``python app.py sync refunds --data DIR`` as a subprocess and
SIGKILLs it after a random delay or once POHODA holds a random number of credit notes. It then runs the
same command again until it exits 0 and checks: every refund exactly once in POHODA with its amount,
exactly one private note per credit note on its order, every cancelled order deleted once, no ledger row
left ``sending``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from adapter.config import InvoicesSettings, RefundsSettings
from adapter.emulators.mserver import MServerEmulator
from tests.fixtures_crash import TRIALS, Trial, ledger_facts, report, rerun_until_ok, single_skus

pytestmark = pytest.mark.slow


def credit_count(ms: MServerEmulator) -> int:
    """How many credit notes POHODA holds (the kill point's probe)."""
    return len(ms.credit_notes())


def prepare(t: Trial, skus: list[str]) -> tuple[dict[int, tuple[int, Decimal]], list[int]]:
    """Orders in POHODA with invoices, refunds and cancellations in the shop; (refund id → (order, amount), cancelled)."""
    count = t.rng.randint(12, 24)
    ids = []
    for n in range(count):
        lines = [(skus[(n * 5 + k + t.number) % len(skus)], 1 + (n + k) % 3) for k in range(1 + n % 3)]
        ids.append(t.woo.add_order(list({s: (s, q) for s, q in lines}.values()), status="completed")["id"])
    t.settings = replace(t.settings, invoices=InvoicesSettings(enabled=True),
                         refunds=RefundsSettings(enabled=True, batch_size=t.rng.choice([2, 3, 5])))
    assert t.run_inline("orders").status == "ok"
    cancelled = t.rng.sample(ids, 3)
    for oid in cancelled:
        t.woo.set_order_status(oid, "cancelled")
    assert t.run_inline("invoices").status == "ok"
    refunds: dict[int, tuple[int, Decimal]] = {}
    for oid in (i for i in ids if i not in cancelled):
        order = t.woo.order(oid)
        if t.rng.random() < 0.5:
            line = order["line_items"][0]
            r = t.woo.add_refund(oid, line_items=[{
                "id": line["id"], "quantity": 1,
                "refund_total": f"{Decimal(line['total']) / line['quantity']:.2f}",
                "refund_tax": [{"id": line["taxes"][0]["id"],
                                "refund_total": f"{Decimal(line['total_tax']) / line['quantity']:.2f}"}]}])
        else:
            r = t.woo.add_refund(oid, amount=order["total"] if t.rng.random() < 0.3 else "10.00")
        refunds[r["id"]] = (oid, Decimal(r["amount"]))
    t.save_settings()
    return refunds, cancelled


def test_refunds_killed_at_random_points(trial_factory: Callable[[int, int, int], Trial]) -> None:
    skus = single_skus(120)
    outcomes: Counter[str] = Counter()
    reruns: Counter[int] = Counter()
    for number in range(TRIALS):
        t = trial_factory(number, 120, 120)
        refunds, cancelled = prepare(t, skus)
        pohoda_numbers = {o.ext_id: o.number for o in t.ms.received_orders()}
        t.ms.set_faults(latency_ms=20, latency_per_item_ms=t.rng.choice([5, 10, 20]))
        t.woo.set_faults(latency_ms=5)
        target = t.rng.randint(0, len(refunds) - 1)
        probe = functools.partial(credit_count, t.ms)
        killed = t.kill("refunds", target, probe, early=(0.2, 2.0), extra=0.1)
        sending, _ = ledger_facts(t.data)
        done = len(t.ms.credit_notes())
        outcomes["after the end" if not killed else "before any send" if not done and not sending
                 else "with rows in sending" if sending else "between packs"] += 1
        t.ms.clear_faults()
        t.woo.clear_faults()
        reruns[rerun_until_ok(t.data, "refunds")] += 1

        notes = t.ms.credit_notes()
        got = Counter(n.ext_id for n in notes)
        assert set(got) == {f"refund-{r}" for r in refunds}, f"trial {number}: credit notes lost"
        assert all(v == 1 for v in got.values()), f"trial {number}: a refund twice in POHODA: {got}"
        for note in notes:
            oid, amount = refunds[int(note.ext_id.removeprefix("refund-"))]
            assert note.total == -amount, (number, note)
            marks = sum(1 for n in t.woo.notes(oid) if f"Dobropis {note.number} " in n["note"])
            assert marks == 1, f"trial {number}: order {oid} has {marks} notes of credit note {note.number}"
        deleted = Counter(n for n, _ in t.ms.deleted_orders())
        assert deleted == Counter(pohoda_numbers[str(o)] for o in cancelled), (number, deleted)
        sending, doubled = ledger_facts(t.data)
        assert sending == [] and doubled == [], (number, sending, doubled)
    report("refunds", outcomes, reruns)

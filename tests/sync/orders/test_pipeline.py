"""The orders job's pipeline: reading, pairing, sending and shop marking overlap without losing an order."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapter import ledger
from adapter.errors import MServerUnavailable, PackError
from adapter.eshop.woocommerce import WooCommerce
from adapter.pohoda.client import MServerClient
from adapter.records import Order
from adapter.sync.orders import job as orders_job
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    received_by_key,
    sku_pools,
)


def add_paired_orders(env: Env, count: int) -> list[int]:
    """``count`` completed orders whose every line pairs to one POHODA card."""
    single = sku_pools(env)["single"]
    ids = []
    for n in range(count):
        lines = [(single[(n * 3 + k) % len(single)], 1 + k) for k in range(2)]
        ids.append(env.woo.add_order(lines, status="completed")["id"])
    return ids


def states() -> dict[str, str]:
    return {e.key: e.state for e in ledger.entries(agenda="orders", limit=100_000)}


REAL_POST = MServerClient.post


def on_write(monkeypatch: pytest.MonkeyPatch, nth: int, special: Callable[[Callable[[], bytes]], bytes]) -> dict[str, int]:
    """Patch ``MServerClient.post``: the ``nth`` write pack goes through ``special(send)`` (``send()`` posts it for
    real), every other request as usual. Returns the live count of write packs."""
    writes = {"n": 0}

    def post(self: MServerClient, data_pack: bytes, **kw: Any) -> bytes:
        def send() -> bytes:
            return REAL_POST(self, data_pack, **kw)

        if kw.get("write"):
            writes["n"] += 1
            if writes["n"] == nth:
                return special(send)
        return send()

    monkeypatch.setattr(MServerClient, "post", post)
    return writes


def test_orders_marked_while_the_list_is_read_are_all_transferred_in_one_run(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Marking moves an order's modification time and here its status out of the listed ones; the shop's
    list is paged by offset, so marking before the whole list is read would skip orders."""
    monkeypatch.setattr(orders_job, "CHUNK", 15)
    env.with_orders(batch_size=10, transferred_status="processing")
    ids = add_paired_orders(env, 330)  # four pages of 100
    listing = WooCommerce.iter_orders_for_transfer

    def slow_pages(self: WooCommerce, *, since: Any) -> Iterator[Order]:
        for n, order in enumerate(listing(self, since=since), 1):
            yield order
            if n % 100 == 0:
                time.sleep(0.4)  # a slow shop: POHODA answers the first batches before page 2 is asked for

    monkeypatch.setattr(WooCommerce, "iter_orders_for_transfer", slow_pages)
    run = env.run()
    assert run.status == "ok", run.message
    got = received_by_key(env)
    assert set(got) == {str(i) for i in ids}
    assert all(len(docs) == 1 for docs in got.values())
    assert set(states().values()) == {"ok"}
    assert {env.woo.order(i)["status"] for i in ids} == {"processing"}
    assert run.done == 330 and run.ok_count == 330
    # one batch update per 10 orders plus a note per order, no order read one by one
    assert all(len([n for n in env.woo.notes(i) if "Přeneseno do POHODY" in n["note"]]) == 1 for i in ids[::37])


def test_a_lost_answer_keeps_its_batch_sending_and_puts_the_queued_ones_back_to_pending(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders_job, "CHUNK", 20)
    env.with_orders(batch_size=10)
    ids = add_paired_orders(env, 120)

    def answer_lost(send: Callable[[], bytes]) -> bytes:
        time.sleep(0.5)  # let the job queue more batches behind this one
        send()  # POHODA imports it, but the answer never arrives
        raise MServerUnavailable(detail="spojení spadlo (test)")

    on_write(monkeypatch, 3, answer_lost)
    run = env.run()
    assert run.status == "failed"
    after = states()
    sending = [k for k, s in after.items() if s == "sending"]
    assert len(sending) == 10, "exactly the batch whose answer was lost waits for reconciliation"
    assert len([k for k, s in after.items() if s == "ok"]) == 20
    assert all(s in ("ok", "sending", "pending") for s in after.values())
    unsent = [k for k, s in after.items() if s == "pending"]
    for key in unsent:
        assert "nebyla odeslána" in (ledger.get_entry("orders", key).error or "")
    assert len(received_by_key(env)) == 30  # two answered batches + the one whose answer was lost

    monkeypatch.setattr(MServerClient, "post", REAL_POST)
    again = env.run()
    assert again.status == "ok", again.message
    got = received_by_key(env)
    assert set(got) == {str(i) for i in ids}
    assert all(len(docs) == 1 for docs in got.values()), "nothing sent twice"
    assert set(states().values()) == {"ok"}


def test_cancel_mid_run_records_the_batch_in_flight_and_resumes(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders_job, "CHUNK", 20)
    env.with_orders(batch_size=10)
    ids = add_paired_orders(env, 100)

    def post_then_cancel(send: Callable[[], bytes]) -> bytes:
        answer = send()
        ledger.Run.update(cancel_requested=True).where(ledger.Run.status == "running").execute()
        return answer

    on_write(monkeypatch, 2, post_then_cancel)
    run = env.run()
    assert run.status == "interrupted"
    after = states()
    assert "sending" not in after.values(), "the pack in flight was recorded before the run stopped"
    done = {k for k, s in after.items() if s == "ok"}
    assert done and set(received_by_key(env)) == done
    monkeypatch.setattr(MServerClient, "post", REAL_POST)
    again = env.run()
    assert again.status == "ok", again.message
    got = received_by_key(env)
    assert set(got) == {str(i) for i in ids} and all(len(v) == 1 for v in got.values())


def test_a_pack_refused_whole_is_recorded_and_the_run_goes_on(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders_job, "CHUNK", 20)
    env.with_orders(batch_size=10)
    ids = add_paired_orders(env, 60)
    refused: list[str] = []

    def refuse(send: Callable[[], bytes]) -> bytes:
        refused.extend(k for k, s in states().items() if s == "sending")
        raise PackError("Účetní období je uzamčeno.")

    writes = on_write(monkeypatch, 3, refuse)
    run = env.run()
    assert run.status == "partial"
    after = states()
    errors = {k for k, s in after.items() if s == "error"}
    assert len(errors) == 10 and errors <= set(refused)
    assert all("Účetní období je uzamčeno" in ledger.get_entry("orders", k).error for k in errors)
    assert {k for k, s in after.items() if s == "ok"} == {str(i) for i in ids} - errors, "later packs still sent"
    assert writes["n"] == 6 and run.error_count == 10 and run.ok_count == 50
    assert run.done == 60 and run.pohoda_requests >= 6

"""``WooCommerce.mark_transferred_many`` against the WooCommerce emulator over a real socket.

Many orders are marked with one ``POST /orders/batch`` per ``batch_size``
orders plus one note each; the emulator's counters prove the call counts.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from adapter.emulators.woocommerce import WooEmulator
from adapter.eshop._json import JsonObject
from adapter.eshop.base import Eshop, TransferMark
from adapter.eshop.woocommerce import WooCommerce
from adapter.eshop.woocommerce import mapping as wmap
from adapter.records import Order
from tests.eshop.helpers import connection, in_flight_peaks

META_KEY = "pohoda_number"


def on(emu: Any, naps: list[float] | None = None, **kw: Any) -> WooCommerce:
    """A connector for a started emulator; sleeps are recorded, not slept."""
    settings: dict[str, Any] = {"attempts": 3, "timeout_connect": 2.0, "timeout_read": 10.0,
                                "pohoda_number_meta_key": META_KEY, **kw}
    conn = connection(emu.url, "ck_test", "cs_test", **settings)
    return WooCommerce(conn, sleep=(naps if naps is not None else []).append)


def current(emu: WooEmulator, order_id: int) -> Order:
    """The order as a caller would have just read it (mapped from the emulator, no HTTP)."""
    data = json.loads(json.dumps(emu.order(order_id)), parse_float=Decimal)
    return wmap.order(JsonObject(data, "order"))


def marks_for(emu: WooEmulator, ids: list[int], *, read: bool = True, status: str | None = "processing",
              note: Callable[[int], str] = lambda i: f"Přeneseno do POHODY (OP{i})") -> list[TransferMark]:
    return [TransferMark(i, f"OP{i}", note(i), status, current(emu, i) if read else None) for i in ids]


def meta_of(emu: WooEmulator, order_id: int) -> list[str]:
    return [m["value"] for m in emu.order(order_id)["meta_data"] if m["key"] == META_KEY]


def note_count(emu: WooEmulator, order_id: int, text: str) -> int:
    return [n["note"] for n in emu.notes(order_id)].count(text)


@pytest.fixture
def shop130(woo_factory: Callable[..., WooEmulator]) -> WooEmulator:
    """A shop with 130 orders."""
    return woo_factory(seed_products=40, seed_orders=130)


def ids_of(emu: WooEmulator, count: int) -> list[int]:
    return [o["id"] for o in emu.orders()[:count]]


def test_woocommerce_still_satisfies_the_protocol(shop130: WooEmulator) -> None:
    assert isinstance(on(shop130), Eshop)


@pytest.mark.parametrize("parallel", [1, 4])
def test_120_orders_take_two_batches_and_one_note_each(shop130: WooEmulator, parallel: int) -> None:
    ids = ids_of(shop130, 120)
    marks = marks_for(shop130, ids)
    shop = on(shop130, parallel_requests=parallel)
    shop130.reset_stats()
    answers = shop.mark_transferred_many(marks)
    assert answers == dict.fromkeys(ids, "")
    stats = shop130.stats()
    assert stats["batch_calls"] == 2 and stats["batch_items"] == 120
    assert stats["write_calls"] == 2 + 120 and stats["requests"] == 2 + 120  # no GET at all
    for i in ids:
        order = shop130.order(i)
        assert meta_of(shop130, i) == [f"OP{i}"] and order["status"] == "processing"
        assert note_count(shop130, i, f"Přeneseno do POHODY (OP{i})") == 1

    # again, with the orders as read now: nothing to update, each note is only checked
    shop130.reset_stats()
    assert shop.mark_transferred_many(marks_for(shop130, ids)) == dict.fromkeys(ids, "")
    stats = shop130.stats()
    assert stats["write_calls"] == 0 and stats["batch_calls"] == 0 and stats["requests"] == 120  # GET notes

    # again, letting the connector read the orders: one GET order + one GET notes each, still no write
    shop130.reset_stats()
    assert shop.mark_transferred_many(marks_for(shop130, ids, read=False)) == dict.fromkeys(ids, "")
    stats = shop130.stats()
    assert stats["write_calls"] == 0 and stats["requests"] == 240
    assert all(note_count(shop130, i, f"Přeneseno do POHODY (OP{i})") == 1 for i in ids)


def test_marked_meta_without_note_gets_the_note_back(shop130: WooEmulator) -> None:
    """A crash between the batch and the notes: the retry sees the meta and only adds the missing note."""
    ids = ids_of(shop130, 3)
    for i in ids:
        shop130.objects.update_order({"id": i, "meta_data": [{"key": META_KEY, "value": f"OP{i}"}]})
    shop130.reset_stats()
    answers = on(shop130).mark_transferred_many(marks_for(shop130, ids, status=""))
    assert answers == dict.fromkeys(ids, "")
    assert shop130.stats()["batch_calls"] == 0 and shop130.stats()["write_calls"] == 3
    assert all(note_count(shop130, i, f"Přeneseno do POHODY (OP{i})") == 1 for i in ids)


def test_orders_without_current_are_read_and_a_missing_one_gets_a_czech_reason(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 3)
    marks = [*marks_for(shop130, ids, read=False), TransferMark(999999, "OP9", "Přeneseno", "processing")]
    shop130.reset_stats()
    answers = on(shop130).mark_transferred_many(marks)
    assert [answers[i] for i in ids] == ["", "", ""]
    assert answers[999999].startswith("E-shop požadavek odmítl") and "999999" not in answers
    stats = shop130.stats()
    assert stats["requests"] - stats["write_calls"] == 4  # one GET per order, the missing one included
    assert stats["batch_items"] == 3 and stats["batch_calls"] == 1
    assert all(meta_of(shop130, i) == [f"OP{i}"] for i in ids)


def test_an_order_deleted_after_reading_is_refused_by_the_batch_alone(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 4)
    marks = marks_for(shop130, ids)
    shop130.objects.delete_order({"id": ids[1], "force": True})
    answers = on(shop130).mark_transferred_many(marks)
    # the shop's English translated, the original kept
    assert answers[ids[1]] == ("E-shop změnu objednávky odmítl: Záznam s tímto ID v e-shopu neexistuje. "
                               "(e-shop: Invalid ID.)")
    assert [answers[i] for i in ids if i != ids[1]] == ["", "", ""]
    assert all(meta_of(shop130, i) == [f"OP{i}"] for i in ids if i != ids[1])


def test_server_errors_on_the_batch_give_every_order_a_reason(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 120)
    marks = marks_for(shop130, ids)
    shop130.set_faults(server_error=1000)
    naps: list[float] = []
    answers = on(shop130, naps).mark_transferred_many(marks)
    assert set(answers) == set(ids)
    assert {a.split(" (")[0] for a in answers.values()} == {"E-shop vrátil chybu serveru"}
    assert all(meta_of(shop130, i) == [] for i in ids)
    shop130.clear_faults()
    assert on(shop130).mark_transferred_many(marks) == dict.fromkeys(ids, "")


def test_a_shop_that_is_down_stops_the_call_after_the_first_failure(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 120)
    marks = marks_for(shop130, ids)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = type("Down", (), {"url": f"http://127.0.0.1:{port}"})()
    naps: list[float] = []
    answers = on(down, naps).mark_transferred_many(marks)
    assert set(answers) == set(ids) and len(set(answers.values())) == 1
    assert next(iter(answers.values())).startswith("E-shop není dostupný")
    assert len(naps) == 2  # one batch call with its retries; the second chunk was not sent


def test_a_lower_batch_limit_halves_the_batches(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 120)
    shop130.set_faults(batch_limit=30)
    shop = on(shop130)
    shop130.reset_stats()
    assert shop.mark_transferred_many(marks_for(shop130, ids)) == dict.fromkeys(ids, "")
    assert shop.batch_size == 25
    assert shop130.stats()["batch_calls"] == 2 + 4 + 1  # 100 → 413, 50 → 413, 4 × 25, then the last 20
    assert all(meta_of(shop130, i) == [f"OP{i}"] for i in ids)


def test_a_status_the_shop_does_not_know_is_never_sent(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 3)
    before = {i: shop130.order(i)["status"] for i in ids}
    shop = on(shop130)
    shop130.reset_stats()
    for status in ("zpracovava", "Dokončeno"):
        answers = shop.mark_transferred_many(marks_for(shop130, ids, status=status))
        assert all(a.startswith(f"E-shop nezná stav objednávky „{status}“") for a in answers.values())
    assert shop130.stats()["requests"] == 1  # one question about "zpracovava"; "Dokončeno" is no slug at all
    assert {i: shop130.order(i)["status"] for i in ids} == before and all(meta_of(shop130, i) == [] for i in ids)
    # a status beyond the core ones that the shop does know is asked about once, then used
    shop130.reset_stats()
    assert shop.mark_transferred_many(marks_for(shop130, ids, status="checkout-draft")) == dict.fromkeys(ids, "")
    assert shop.mark_transferred_many(marks_for(shop130, ids, status="checkout-draft")) == dict.fromkeys(ids, "")
    stats = shop130.stats()
    assert stats["requests"] == 1 + (1 + 3) + 3 and stats["batch_calls"] == 1


def test_a_status_the_batch_did_not_set_is_reported_and_gets_no_note(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 2)
    shop = on(shop130)
    shop._known_statuses.add("bogus")  # as if the check had been fooled: the shop makes it "pending"
    answers = shop.mark_transferred_many(marks_for(shop130, ids, status="bogus"))
    assert answers == dict.fromkeys(ids, "E-shop nastavil objednávce stav „pending“ místo „bogus“.")
    assert all(note_count(shop130, i, f"Přeneseno do POHODY (OP{i})") == 0 for i in ids)


def test_an_unexpected_error_for_one_order_spares_the_others(
    shop130: WooEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ids_of(shop130, 5)
    shop = on(shop130)
    real = shop._add_note

    def flaky(order_id: int, note: str) -> None:
        if order_id == ids[2]:
            raise RuntimeError("boom")
        real(order_id, note)

    monkeypatch.setattr(shop, "_add_note", flaky)
    answers = shop.mark_transferred_many(marks_for(shop130, ids))
    assert answers[ids[2]] == "neočekávaná chyba (RuntimeError)"
    assert [answers[i] for i in ids if i != ids[2]] == ["", "", "", ""]
    assert all(note_count(shop130, i, f"Přeneseno do POHODY (OP{i})") == 1 for i in ids if i != ids[2])


def test_default_status_note_and_a_repeated_order(shop130: WooEmulator) -> None:
    ids = ids_of(shop130, 2)
    shop = on(shop130, transferred_status="completed")
    marks = [TransferMark(i, f"OP{i}", "", None, current(shop130, i)) for i in ids]
    shop130.reset_stats()
    assert shop.mark_transferred_many([*marks, marks[0]]) == dict.fromkeys(ids, "")
    assert shop130.stats()["batch_items"] == 2
    for i in ids:
        assert shop130.order(i)["status"] == "completed"
        assert note_count(shop130, i, f"Přeneseno do POHODY jako objednávka OP{i}.") == 1
    assert on(shop130).mark_transferred_many([]) == {}


@pytest.mark.parametrize("parallel", [1, 4])
def test_the_batch_updates_of_many_orders_overlap_up_to_parallel_requests(
        shop130: WooEmulator, monkeypatch: pytest.MonkeyPatch, parallel: int) -> None:
    """120 orders in batches of 24: the first batch alone (it shows a shop that is down), then the other four
    in flight together when the shop answers slowly."""
    ids = ids_of(shop130, 120)
    marks = marks_for(shop130, ids)
    shop = on(shop130, parallel_requests=parallel)
    shop.batch_size = 24
    shop130.set_faults(latency_ms=150)
    batches = in_flight_peaks(monkeypatch, "/orders/batch")
    answers = shop.mark_transferred_many(marks)
    assert answers == dict.fromkeys(ids, "")
    assert batches["calls"] == 5
    assert batches["peak"] == (4 if parallel == 4 else 1)
    assert all(meta_of(shop130, i) == [f"OP{i}"] for i in ids)

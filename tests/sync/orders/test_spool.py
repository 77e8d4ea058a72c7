"""The orders read ahead into a temporary file (``adapter.sync.orders.spool``)."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from decimal import Decimal

import pytest

from adapter.sync.orders.spool import spooled


class Item:
    """Something a weak reference can follow (to prove the read-ahead items are not held in memory)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.amount = Decimal(n) / 100


def test_everything_comes_out_in_order_and_equal() -> None:
    items = [(n, Decimal(n) / 7, f"objednávka {n}") for n in range(2000)]
    assert list(spooled(iter(items), name="reader")) == items


def test_the_source_is_read_whole_before_the_consumer_takes_anything_and_nothing_stays_in_memory() -> None:
    listed = threading.Event()
    made: list[weakref.ref[Item]] = []

    def source() -> Iterator[Item]:
        for n in range(500):
            item = Item(n)
            made.append(weakref.ref(item))
            yield item

    reader = spooled(source(), on_done=listed.set)
    first = next(reader)
    assert listed.wait(10), "the reading thread did not run to the end of the source by itself"
    gc.collect()
    alive = [ref for ref in made if ref() is not None]
    assert first.n == 0 and len(alive) <= 1  # the items read ahead wait on disk, not as objects
    assert [item.n for item in reader] == list(range(1, 500))


def test_the_sources_error_comes_after_the_items_before_it() -> None:
    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 broke")

    got: list[int] = []

    def take_all() -> None:
        for item in spooled(broken()):
            got.append(item)

    with pytest.raises(ValueError, match="page 3 broke"):
        take_all()
    assert got == [1, 2]


def test_stopping_early_stops_the_reader_and_on_done_still_runs() -> None:
    release = threading.Event()
    produced: list[int] = []
    done = threading.Event()

    def slow() -> Iterator[int]:
        for n in range(1000):
            if n == 3:
                release.wait(5)
            produced.append(n)
            yield n

    reader = spooled(slow(), on_done=done.set)
    assert next(reader) == 0
    release.set()
    reader.close()
    assert done.is_set() and len(produced) < 1000


def test_a_queued_marking_keeps_only_what_marking_reads() -> None:
    """Id, number, status and meta stay (the batch update and the note need them); lines and addresses go."""
    from datetime import UTC, datetime

    from adapter.records import Address, Order, OrderLine
    from adapter.sync.orders.marks import for_marking

    when = datetime(2026, 3, 1, tzinfo=UTC)
    line = OrderLine(kind="product", name="Hrnek", quantity=Decimal(2), unit_price=Decimal(100),
                     unit_price_incl=Decimal(121), total=Decimal(200), total_tax=Decimal(42), tax_rate=Decimal(21))
    order = Order(id=7, number="1007", status="completed", currency="CZK", created=when, modified=when,
                  total=Decimal(242), total_tax=Decimal(42), prices_include_tax=True, lines=(line,) * 5,
                  billing=Address(name="Eva Nová", street="Náměstí 1", city="Třebíč"), shipping=Address(city="Brno"),
                  customer_note="Zvonit dvakrát", meta=(("_pohoda_number", "OP1"), ("_pohoda_status", "held")))
    slim = for_marking(order)
    assert (slim.id, slim.number, slim.status, slim.meta) == (order.id, order.number, order.status, order.meta)
    assert slim.meta_value("_pohoda_number") == "OP1"
    assert slim.lines == () and slim.billing == Address() and slim.shipping == Address() and not slim.customer_note

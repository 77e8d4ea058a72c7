"""The send lane and the read-ahead of adapter.sync.pipeline (room: sync)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from adapter.sync.pipeline import NOT_SENT, SendLane, read_ahead


def test_lane_sends_in_order_and_overlaps_with_the_caller() -> None:
    sent: list[bytes] = []
    threads: set[str] = set()

    def send(body: bytes) -> str:
        threads.add(threading.current_thread().name)
        time.sleep(0.01)
        sent.append(body)
        return body.decode().upper()

    lane: SendLane[int] = SendLane(send, ahead=2, name="test-lane")
    for n in range(6):
        lane.submit(n, f"pack{n}".encode())
    outcomes = list(lane.results(wait=True))
    lane.close()
    assert [o.tag for o in outcomes] == list(range(6))
    assert [o.value for o in outcomes] == [f"PACK{n}" for n in range(6)]
    assert all(o.sent and o.error is None for o in outcomes)
    assert sent == [f"pack{n}".encode() for n in range(6)]
    assert threads == {"test-lane"}
    assert lane.pending == 0


def test_results_without_wait_returns_only_what_is_back() -> None:
    gate = threading.Event()

    def send(body: bytes) -> bytes:
        gate.wait(5)
        return body

    lane: SendLane[str] = SendLane(send)
    lane.submit("a", b"1")
    assert list(lane.results()) == []
    assert lane.pending == 1
    gate.set()
    outcomes = list(lane.results(wait=True))
    lane.close()
    assert [(o.tag, o.value) for o in outcomes] == [("a", b"1")]


def test_submit_blocks_when_the_queue_is_full() -> None:
    gate = threading.Event()
    lane: SendLane[int] = SendLane(lambda body: gate.wait(5), ahead=1)
    lane.submit(1, b"x")  # taken by the worker, blocked in send
    time.sleep(0.05)
    lane.submit(2, b"y")  # waits in the queue
    blocked = threading.Thread(target=lane.submit, args=(3, b"z"))
    blocked.start()
    blocked.join(0.2)
    assert blocked.is_alive(), "a third pack must wait while one is in flight and one is queued"
    gate.set()
    blocked.join(5)
    assert not blocked.is_alive()
    assert [o.tag for o in lane.results(wait=True)] == [1, 2, 3]
    lane.close()


def test_after_a_failure_nothing_more_is_sent() -> None:
    calls: list[bytes] = []

    def send(body: bytes) -> bytes:
        calls.append(body)
        if body == b"2":
            raise ConnectionError("spojení spadlo")
        return body

    gate = threading.Event()
    lane: SendLane[int] = SendLane(lambda body: (gate.wait(5), send(body))[1], ahead=5)
    for n in range(1, 5):
        lane.submit(n, str(n).encode())
    gate.set()
    outcomes = list(lane.results(wait=True))
    lane.close()
    assert calls == [b"1", b"2"]
    assert outcomes[0].value == b"1" and outcomes[0].error is None
    assert isinstance(outcomes[1].error, ConnectionError) and outcomes[1].sent
    assert [o.value is NOT_SENT for o in outcomes[2:]] == [True, True]
    assert not outcomes[2].sent


def test_stop_lets_the_pack_in_flight_finish_and_returns_the_rest_unsent() -> None:
    started, gate = threading.Event(), threading.Event()
    calls: list[bytes] = []

    def send(body: bytes) -> bytes:
        calls.append(body)
        started.set()
        gate.wait(5)
        return body

    lane: SendLane[int] = SendLane(send, ahead=3)
    for n in range(3):
        lane.submit(n, bytes([65 + n]))
    assert started.wait(5)
    lane.stop()
    gate.set()
    outcomes = list(lane.results(wait=True))
    lane.close()
    assert calls == [b"A"]
    assert [o.sent for o in outcomes] == [True, False, False]
    assert outcomes[0].value == b"A"


def test_read_ahead_yields_everything_in_order_from_another_thread() -> None:
    producer: set[str] = set()

    def numbers() -> Iterator[int]:
        for n in range(1000):
            producer.add(threading.current_thread().name)
            yield n

    assert list(read_ahead(numbers(), ahead=10, name="reader")) == list(range(1000))
    assert producer == {"reader"}


def test_read_ahead_reraises_the_producers_error_after_the_items_before_it() -> None:
    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("stránka 3 se nenačetla")

    got: list[int] = []

    def consume() -> None:
        for item in read_ahead(broken(), ahead=1):
            got.append(item)

    with pytest.raises(ValueError, match="stránka 3"):
        consume()
    assert got == [1, 2]


def test_read_ahead_stops_the_producer_when_the_consumer_stops() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    for item in read_ahead(endless(), ahead=5):
        if item == 3:
            break
    assert threading.active_count() == before
    assert len(produced) <= 3 + 5 + 3, "the producer ran far past the consumer"

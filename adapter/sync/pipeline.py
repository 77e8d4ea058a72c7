"""Overlap a job's own work with POHODA's: a send lane and a read-ahead.

POHODA serves one request at a time and each pack takes it a while, so a
job that builds pack N+1 only after pack N came back leaves POHODA idle for
the whole build. :class:`SendLane` posts packs from one worker thread in
the order they were queued while the job's thread reads, maps, builds and
commits the next ones; the job collects the answers (``results``) and does
all ledger and progress work itself, so only the HTTP call and the answer's
parsing leave the job's thread.

:func:`read_ahead` runs an iterator (e.g. the shop's paged order list) in a
thread a bounded number of items ahead of its consumer.

Exactly-once stays with the caller: a pack is committed as ``sending``
before :meth:`SendLane.submit`. After a failed POST the lane sends nothing
more; every pack still queued comes back as ``NOT_SENT`` (so the caller may
set its rows back to pending — they never left) and the lane's
``failure`` is re-raised by :meth:`SendLane.results` after that.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Tag = TypeVar("Tag")

#: the outcome of a pack that never left because an earlier one failed or the lane was stopped
NOT_SENT: Any = object()
_STOP: Any = object()


@dataclass
class Outcome(Generic[Tag]):
    """One queued pack's result: what the caller tagged it with and the parsed answer (or NOT_SENT / an error)."""

    tag: Tag
    value: Any = None
    error: BaseException | None = None

    @property
    def sent(self) -> bool:
        """False when the pack never reached POHODA."""
        return self.value is not NOT_SENT


class SendLane(Generic[Tag]):
    """POSTs packs one after another from a worker thread; see the module docstring.

    ``send(body) -> Any`` does the request and parses the answer (it runs in
    the worker thread, so it must not touch the job context). At most
    ``ahead`` packs wait behind the one in flight; :meth:`submit` blocks
    beyond that, which keeps the number of rows in ``sending`` bounded.
    """

    def __init__(self, send: Callable[[bytes], Any], *, ahead: int = 2, name: str = "pohoda-lane") -> None:
        self._send = send
        self._todo: queue.Queue[Any] = queue.Queue(maxsize=max(1, ahead))
        self._done: queue.Queue[Outcome[Tag]] = queue.Queue()
        self._failed = threading.Event()
        self._stopped = threading.Event()
        self._pending = 0
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Packs submitted whose outcome has not been taken yet."""
        return self._pending

    def submit(self, tag: Tag, body: bytes) -> None:
        """Queue one pack (blocks while ``ahead`` packs already wait)."""
        self._pending += 1
        self._todo.put((tag, body))

    def _work(self) -> None:
        while True:
            job = self._todo.get()
            if job is _STOP:
                return
            tag, body = job
            if self._failed.is_set() or self._stopped.is_set():
                self._done.put(Outcome(tag, NOT_SENT))
                continue
            try:
                self._done.put(Outcome(tag, self._send(body)))
            except BaseException as exc:  # handed to the job's thread, which decides
                self._failed.set()
                self._done.put(Outcome(tag, error=exc))

    def results(self, *, wait: bool = False) -> Iterator[Outcome[Tag]]:
        """Outcomes ready now (or, with ``wait``, every outstanding one), in submission order."""
        while self._pending:
            try:
                outcome = self._done.get(block=wait)
            except queue.Empty:
                return
            self._pending -= 1
            yield outcome

    def stop(self) -> None:
        """Send nothing more that is still queued (the pack in flight finishes); outcomes stay collectable."""
        self._stopped.set()

    def close(self) -> None:
        """End the worker thread (after the pack in flight and the queued NOT_SENT answers)."""
        self._stopped.set()
        self._todo.put(_STOP)
        self._thread.join()


def read_ahead(items: Iterable[T], *, ahead: int = 200, name: str = "read-ahead",
               on_done: Callable[[], None] | None = None) -> Iterator[T]:
    """Yield ``items`` while a thread fetches up to ``ahead`` of them in advance; its error is re-raised here.

    ``ahead=0`` reads without bound (the whole list as fast as the source
    gives it). ``on_done`` is called in the reading thread once the source is
    exhausted or failed. Closing the generator early (break, exception) stops
    the thread at its next item.
    """
    buffer: queue.Queue[Any] = queue.Queue(maxsize=max(0, ahead))
    closed = threading.Event()
    end = object()

    def fill() -> None:
        try:
            for item in items:
                if closed.is_set():
                    return
                buffer.put(item)
            buffer.put(end)
        except BaseException as exc:  # re-raised in the consumer
            buffer.put(_Raised(exc))
        finally:
            if on_done is not None:
                on_done()

    thread = threading.Thread(target=fill, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is end:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        closed.set()
        while thread.is_alive():  # unblock a producer waiting on a full buffer
            with contextlib.suppress(queue.Empty):
                buffer.get(timeout=0.05)
        thread.join()


@dataclass
class _Raised:
    error: BaseException

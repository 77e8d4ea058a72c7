"""The shop's order list read ahead into a temporary file, so memory stays flat however long it is.

The orders job reads the whole list before any order is marked (marking
moves an order's modification time between the pages still to be read), and
POHODA takes the orders more slowly than the shop lists them: held in memory,
a read-ahead list of 5,000 orders with five lines each cost ~60 MB. Here the
reading thread pickles each item to an unnamed temporary file and the consumer
unpickles them in order — a few kB in memory at a time.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable
from typing import TypeVar

T = TypeVar("T")

_LENGTH = 4  #: bytes of the length prefix of each pickled item


class _Spool:
    """The file, what has been written to it, and how the writing ended."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="adapter-orders-")  # noqa: SIM115 — closed by spooled()
        self.changed = threading.Condition()
        self.written = 0  #: bytes written so far (whole items only)
        self.done = False
        self.error: BaseException | None = None
        self.closed = threading.Event()

    def append(self, item: object) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        with self.changed:
            self.file.seek(self.written)
            self.file.write(len(data).to_bytes(_LENGTH, "little") + data)
            self.written = self.file.tell()
            self.changed.notify()

    def finish(self, error: BaseException | None) -> None:
        with self.changed:
            self.done, self.error = True, error
            self.changed.notify()

    def read_at(self, position: int) -> tuple[bytes | None, int]:
        """The pickled item at ``position`` (waiting for it) and the next position; None at the end."""
        with self.changed:
            while position >= self.written and not self.done:
                self.changed.wait()
            if position >= self.written:
                if self.error is not None:
                    raise self.error
                return None, position
            self.file.seek(position)
            length = int.from_bytes(self.file.read(_LENGTH), "little")
            return self.file.read(length), position + _LENGTH + length


def spooled(items: Iterable[T], *, name: str = "spool", on_done: Callable[[], None] | None = None
            ) -> Generator[T, None, None]:
    """Yield ``items`` while a thread reads all of them ahead into a temporary file; its error is re-raised here.

    Like :func:`adapter.sync.pipeline.read_ahead` with no bound, but the items
    read ahead wait on disk, not in memory. ``on_done`` is called in the
    reading thread once the source is exhausted or failed. Closing the
    generator early stops the thread at its next item; the file is removed.
    """
    spool = _Spool()

    def fill() -> None:
        error: BaseException | None = None
        try:
            for item in items:
                if spool.closed.is_set():
                    return
                spool.append(item)
        except BaseException as exc:  # re-raised in the consumer
            error = exc
        finally:
            spool.finish(error)
            if on_done is not None:
                on_done()

    thread = threading.Thread(target=fill, name=name, daemon=True)
    thread.start()
    position = 0
    try:
        while True:
            data, position = spool.read_at(position)
            if data is None:
                return
            yield pickle.loads(data)  # noqa: S301 — our own file, written by this process
    finally:
        spool.closed.set()
        thread.join()
        spool.file.close()

"""Fixtures for the POHODA mServer emulator (room: mserver).

``mserver_factory(**kw)`` builds an :class:`MServerEmulator` in a fresh
folder under ``tmp_path``, starts it on 127.0.0.1 with a free port and stops
it at teardown; ``mserver`` is a started emulator seeded with 50 stock cards.
The emulator's base URL is ``emu.url`` (also returned by ``start()``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapter.emulators.mserver import MServerEmulator


@pytest.fixture
def mserver_factory(tmp_path: Path) -> Iterator[Callable[..., MServerEmulator]]:
    """Create and start emulators with the given constructor kwargs; all are stopped at teardown."""
    started: list[MServerEmulator] = []
    counter = itertools.count(1)

    def make(**kwargs: object) -> MServerEmulator:
        data_dir = kwargs.pop("data_dir", None) or tmp_path / f"mserver{next(counter)}"
        emu = MServerEmulator(Path(str(data_dir)), **kwargs)  # type: ignore[arg-type]
        emu.start()
        started.append(emu)
        return emu

    yield make
    for emu in reversed(started):
        emu.stop()


@pytest.fixture
def mserver(mserver_factory: Callable[..., MServerEmulator]) -> MServerEmulator:
    """A started emulator with 50 seeded stock cards (catalogue seed 1)."""
    return mserver_factory(seed_stock=50)

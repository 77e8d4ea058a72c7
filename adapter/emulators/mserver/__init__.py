"""POHODA mServer emulator (XML over HTTP), as a package.

``emulator`` holds :class:`MServerEmulator` (state, faults, routing),
``transport`` the socket server and byte handling, ``cli`` the command line,
``pack`` the dataPack processor with ``imports`` and ``lists`` for the
agendas, ``db`` the SQLite store, ``inspection`` the read-outs the tests use
and ``xml_io`` the XML reading and writing. The names below are the package's
public face (``from adapter.emulators.mserver import MServerEmulator, main``).
"""

from __future__ import annotations

from adapter.emulators.mserver.cli import build_parser, main
from adapter.emulators.mserver.emulator import DOCUMENTED_CHOICES, PROGRAM_VERSION, MServerEmulator
from adapter.emulators.mserver.transport import _Handler as _Handler
from adapter.emulators.mserver.transport import choose_compression, decompress

__all__ = [
    "DOCUMENTED_CHOICES",
    "PROGRAM_VERSION",
    "MServerEmulator",
    "build_parser",
    "choose_compression",
    "decompress",
    "main",
]

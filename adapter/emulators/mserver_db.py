"""The mServer emulator's SQLite store, kept importable from its former place (it lives in ``mserver.db``)."""

from __future__ import annotations

from adapter.emulators.mserver.db import DEFAULT_STORE, MServerStore

__all__ = ["DEFAULT_STORE", "MServerStore"]

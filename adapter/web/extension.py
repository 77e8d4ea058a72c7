"""The object every view reaches the app's resources through (``app.extensions["adapter"]``)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from adapter.demo import DemoInfo

if TYPE_CHECKING:
    from flask_wtf.csrf import CSRFProtect

    from adapter.config import Settings, SettingsStore
    from adapter.sync.context import Connections
    from adapter.sync.runner import JobRunner

EXTENSION_KEY = "adapter"

__all__ = ["EXTENSION_KEY", "AdapterExtension", "DemoInfo", "LoginThrottle", "get_ext"]


class LoginThrottle:
    """Counts failed logins per client address; too many in a window → wait.

    Kept in memory on purpose: a restart forgets it, which is fine for a
    local app and needs no table.
    """

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, ip: str, now: float) -> deque[float]:
        times = self._failures.setdefault(ip, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait_seconds(self, ip: str, now: float | None = None) -> int:
        """Seconds this address must wait before trying again (0 = may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent(ip, now)
            if len(times) < self.limit:
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, ip: str, now: float | None = None) -> None:
        """Note one failed attempt."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(ip, now).append(now)

    def succeeded(self, ip: str) -> None:
        """A good login clears the address's record."""
        with self._lock:
            self._failures.pop(ip, None)


@dataclass
class AdapterExtension:
    """Everything the app owns: settings, the job runner, the clients' factory."""

    data_dir: Path
    store: SettingsStore
    runner: JobRunner
    connections: Connections
    csrf: CSRFProtect
    demo: DemoInfo | None = None
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    @property
    def settings(self) -> Settings:
        """The current settings (re-read when settings.toml changed)."""
        return self.store.get()


def get_ext() -> AdapterExtension:
    """The adapter extension of the current app."""
    ext = current_app.extensions[EXTENSION_KEY]
    assert isinstance(ext, AdapterExtension)
    return ext

"""The benchmarks' temporary folders: removed when a benchmark ends, when it is stopped, and after a kill.

A stock run at 100,000 cards leaves about 230 MB (two emulators' data and a
ledger), so nothing may stay behind:

* :func:`scratch` removes its folder when the benchmark ends, also on an error;
* :func:`stop_on_sigterm` turns SIGTERM (``python -m bench --timeout`` and
  Ctrl+C's sibling) into ``SystemExit``, so those ``finally`` blocks run and the
  emulator processes are stopped;
* a folder whose process was killed outright (``kill -9``) carries that
  process's id in its name, and the next benchmark removes it (:func:`sweep`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from adapter.procs import pid_alive

PREFIX = "pohoda-bench-"
#: folders of the earlier naming (no process id): removed once this old
LEGACY = ("bench-stock-", "bench-orders-", "bench-realshop-")
LEGACY_AGE = 6 * 3600
_PID = re.compile(rf"^{re.escape(PREFIX)}[a-z]+-(\d+)-")


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the folders of benchmarks whose process is gone; returns what was removed."""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed: list[Path] = []
    now = time.time()
    for path in root.iterdir():
        name = path.name
        match = _PID.match(name)
        stale = (match is not None and not pid_alive(int(match.group(1)))) or (
            name.startswith(LEGACY) and now - path.stat().st_mtime > LEGACY_AGE)
        if stale and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def scratch(label: str, root: Path | None = None) -> Iterator[Path]:
    """A fresh temporary folder named after ``label`` and this process, removed at the end."""
    sweep(root)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{label}-{os.getpid()}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def stop_on_sigterm() -> None:
    """Let SIGTERM unwind the benchmark (its ``finally`` blocks remove folders and stop emulators)."""
    signal.signal(signal.SIGTERM, _exit)

"""Hardening: whether another process's run is alive is asked without os.kill (CTRL+C on Windows)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from adapter import procs
from adapter.ledger import queries as ledger_queries


def test_the_current_process_and_a_running_child_are_alive() -> None:
    assert procs.pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert procs.pid_alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not procs.pid_alive(child.pid)


@pytest.mark.parametrize("pid", [None, 0, -1])
def test_no_pid_is_not_alive(pid: int | None) -> None:
    assert not procs.pid_alive(pid)


def test_on_windows_no_signal_is_ever_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_kill(*_args: object) -> None:
        raise AssertionError("os.kill sends CTRL+C on Windows")

    asked: list[int] = []
    monkeypatch.setattr(os, "kill", no_kill)
    monkeypatch.setattr(procs.sys, "platform", "win32")
    monkeypatch.setattr(procs, "_windows_alive", lambda pid: asked.append(pid) or pid == 4242)
    assert procs.pid_alive(4242) is True
    assert ledger_queries._pid_alive(4243) is False  # the ledger's stale-run check goes the same way
    assert asked == [4242, 4243]

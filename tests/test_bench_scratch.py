"""The benchmarks leave no temporary data behind: at the end, on SIGTERM, and after a kill -9 (the next run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.scratch import PREFIX, scratch, sweep

ROOT = Path(__file__).resolve().parents[1]


def test_scratch_is_removed_at_the_end_and_on_an_error(tmp_path: Path) -> None:
    with scratch("stock", tmp_path) as folder:
        (folder / "data.db").write_bytes(b"x" * 1000)
        assert folder.name.startswith(f"{PREFIX}stock-{os.getpid()}-")
    assert not folder.exists()
    with pytest.raises(RuntimeError), scratch("stock", tmp_path) as failing:
        raise RuntimeError("benchmark failed")
    assert not failing.exists()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_folders_of_gone_processes_only(tmp_path: Path) -> None:
    gone = tmp_path / f"{PREFIX}stock-{dead_pid()}-abc"
    mine = tmp_path / f"{PREFIX}stock-{os.getpid()}-def"
    other = tmp_path / "unrelated-123-x"
    for folder in (gone, mine, other):
        folder.mkdir()
    old = tmp_path / "bench-stock-legacy"
    old.mkdir()
    os.utime(old, (time.time() - 7 * 3600,) * 2)
    recent = tmp_path / "bench-stock-recent"
    recent.mkdir()
    assert set(sweep(tmp_path)) == {gone, old}
    assert mine.exists() and other.exists() and recent.exists()


def test_sigterm_unwinds_the_benchmark_and_removes_its_folder(tmp_path: Path) -> None:
    code = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
            "from pathlib import Path\n"
            "from bench.scratch import scratch, stop_on_sigterm\n"
            "stop_on_sigterm()\n"
            f"with scratch('orders', Path({str(tmp_path)!r})) as f:\n"
            "    print(f, flush=True)\n"
            "    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    assert folder.is_dir()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 128 + signal.SIGTERM
    assert not folder.exists()

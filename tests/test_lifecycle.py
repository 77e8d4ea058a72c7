"""Start and stop like an application: Ctrl+C and SIGTERM stop the demo cleanly, a busy port is a Czech sentence."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapter.lifecycle import port_problem

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_busy_port_says_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = port_problem("127.0.0.1", port)
    assert message is not None and message.startswith(f"Port {port} je obsazený")
    assert "Ctrl+C" in message and f"--port {port + 1}" in message
    assert port_problem("127.0.0.1", free_port()) is None


def start_demo(port: int) -> tuple[subprocess.Popen[str], Path]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "app.py", "--demo", "--no-browser", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ukončíte jej klávesami Ctrl+C" in line:
            found = re.search(r"datová složka:\s+(\S+)", "".join(lines))
            assert found, "".join(lines)
            return proc, Path(found.group(1)).parent
    proc.kill()
    pytest.fail("the demo did not start:\n" + "".join(lines))


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_the_demo_stops_cleanly_and_removes_its_folder(how: signal.Signals) -> None:
    port = free_port()
    proc, folder = start_demo(port)
    try:
        assert folder.is_dir()
        second = subprocess.run([sys.executable, "app.py", "--demo", "--no-browser", "--port", str(port)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 2 and f"Port {port} je obsazený" in second.stderr, second.stderr
        proc.send_signal(how)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "POHODA adaptér je ukončen." in out and "Traceback" not in out
    assert not folder.exists(), f"the demo's folder {folder} is left behind"

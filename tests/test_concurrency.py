"""Concurrency: one run per agenda whoever starts it, and mServer requests that never overlap.

* Several browsers pressing the same button, the schedule, a bookmark URL
  and the command line (another process) all at once → exactly one Run row
  per agenda; the others join it or (the CLI) exit 2 saying it already runs.
* ``MServerClient`` keeps one request in flight per mServer URL in a
  process: proved against the emulator (which serialises by itself) and
  against a recording server that does not serialise (with a control that
  shows the recorder does see overlap when the lock is absent).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from adapter import ledger
from adapter.config import Settings
from adapter.pohoda import envelope, stock
from adapter.pohoda.client import MServerClient
from tests.fixtures_app import CSRF_META, Gate

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CSRF_SECRET = re.compile(r'<code class="secret" data-token>([^<]+)</code>')


@pytest.fixture
def app_settings(data_dir: Path) -> Settings:
    """Valid connection settings (the CLI checks them) and a stock schedule that is due now."""
    base = Settings(data_dir=data_dir)
    return replace(
        base,
        pohoda=replace(base.pohoda, url="http://127.0.0.1:1", user="admin", password="heslo", ico="12345678"),
        eshop=replace(base.eshop, url="http://127.0.0.1:1", consumer_key="ck_x", consumer_secret="cs_x"),
        stock=replace(base.stock, enabled=True, schedule_minutes=5, nightly_full=False),
    )


def stock_runs() -> list[ledger.Run]:
    """Every stock Run row (fresh connection: other threads/processes wrote them)."""
    with ledger.database.connection_context():
        return list(ledger.Run.select().where(ledger.Run.agenda == "stock").order_by(ledger.Run.id))


def running_ids() -> list[int]:
    """Ids of running stock runs."""
    return [r.id for r in stock_runs() if r.status == "running"]


def in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at the same moment (a barrier) and return their results (exceptions re-raised)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


def browser(base: str) -> tuple[requests.Session, str]:
    """A browser session on the PC with its CSRF token."""
    session = requests.Session()
    page = session.get(base + "/", timeout=30)
    match = CSRF_META.search(page.content)
    assert match, page.text[:300]
    return session, match.group(1).decode()


def run_cli(data: Path, script: str | None = None, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python app.py sync stock --data DATA`` (or a small script around ``app.main``) in another process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if script is None:
        cmd = [PY, str(ROOT / "app.py"), "sync", "stock", "--data", str(data)]
    else:
        cmd = [PY, "-c", script, str(data), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


#: the CLI with an injected job (used when no real job module exists, and to hold a run from another process)
CLI_SCRIPT = textwrap.dedent("""
    import pathlib, sys, time
    import app

    gate = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else None

    def job(ctx):
        ctx.progress(0, 1, "Příkazová řádka")
        while gate is not None and not gate.exists():
            time.sleep(0.05)
        ctx.ok("C1")
        ctx.advance()

    sys.exit(app.main(["sync", "stock", "--data", sys.argv[1]], jobs={"stock": job}))
""")


# =========================================================================== one run per agenda


def test_two_browsers_press_the_same_button_at_once(app: Flask, live_server_url: str, job_gate: Gate) -> None:
    job_gate.hold()
    browsers = [browser(live_server_url) for _ in range(6)]

    def press(session: requests.Session, token: str) -> requests.Response:
        return session.post(live_server_url + "/jobs/stock/start/sync", timeout=30,
                            headers={"X-CSRFToken": token, "HX-Request": "true"})

    answers = in_threads([lambda s=s, t=t: press(s, t) for s, t in browsers])
    assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]
    assert job_gate.started.wait(10)
    runs = stock_runs()
    assert len(runs) == 1 and runs[0].status == "running" and runs[0].trigger == "button"
    joined = [a for a in answers if "už běží" in a.text]
    assert len(joined) == 5, [a.text[:200] for a in answers]
    assert all(f"/jobs/{runs[0].id}" in a.text for a in answers)
    job_gate.release.set()
    assert app.extensions["adapter"].runner.wait("stock", 20)
    runs = stock_runs()
    assert len(runs) == 1 and runs[0].status == "ok" and runs[0].ok_count == 10
    for session, _ in browsers:
        session.close()


def test_schedule_bookmark_buttons_and_cli_at_once(app: Flask, job_gate: Gate, data_dir: Path) -> None:
    runner = app.extensions["adapter"].runner
    admin = app.test_client()
    new = admin.post("/tokens/", data={"name": "Plánovač", "agendas": ["stock"]})
    token = CSRF_SECRET.search(new.get_data(as_text=True)).group(1)
    job_gate.hold()
    buttons = [app.test_client() for _ in range(3)]

    def bookmark() -> str:
        return app.test_client().get(f"/run/stock?token={token}&format=text&wait=0").get_data(as_text=True)

    def press(client: Any) -> str:
        return client.post("/jobs/stock/start/sync", headers={"HX-Request": "true"}).get_data(as_text=True)

    calls: list[Callable[[], Any]] = [runner.tick, runner.tick, bookmark, bookmark]
    calls += [lambda c=c: press(c) for c in buttons]
    results = in_threads(calls)
    assert job_gate.started.wait(10)
    runs = stock_runs()
    assert len(runs) == 1, [(r.id, r.trigger, r.status) for r in runs]
    run = runs[0]
    assert run.status == "running" and run.trigger in ("schedule", "bookmark", "button")
    ticks = results[0] + results[1]
    assert ticks in ([], [run.id])
    for text in results[2:4]:
        assert text.startswith(f"running run={run.id} agenda=stock"), text
    for html in results[4:]:
        assert f"/jobs/{run.id}" in html
    # the command line in another process, while the same agenda runs here
    cli = run_cli(data_dir, CLI_SCRIPT)
    assert cli.returncode == 2, (cli.stdout, cli.stderr)
    assert "už běží" in cli.stderr and f"#{run.id}" in cli.stderr
    if importlib.util.find_spec("adapter.sync.stock") is not None:
        real = run_cli(data_dir)  # `python app.py sync stock` with the real job module
        assert real.returncode == 2 and "už běží" in real.stderr, (real.stdout, real.stderr)
    assert running_ids() == [run.id] and len(stock_runs()) == 1
    job_gate.release.set()
    assert runner.wait("stock", 20)
    finished = stock_runs()
    assert len(finished) == 1 and finished[0].status == "ok"
    assert runner.tick() == []  # the schedule is satisfied by that run


def test_a_cli_run_in_another_process_blocks_the_app(app: Flask, data_dir: Path, tmp_path: Path) -> None:
    gate = tmp_path / "release"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([PY, "-c", CLI_SCRIPT, str(data_dir), str(gate)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not running_ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        ids = running_ids()
        assert ids, "the CLI run did not start"
        cli_run = stock_runs()[-1]
        assert cli_run.trigger == "cli" and cli_run.pid == proc.pid
        runner = app.extensions["adapter"].runner
        admin = app.test_client()
        token = CSRF_SECRET.search(admin.post("/tokens/", data={"name": "t"}).get_data(as_text=True)).group(1)

        def press() -> str:
            return app.test_client().post("/jobs/stock/start/sync", headers={"HX-Request": "true"}).get_data(as_text=True)

        results = in_threads([press, press, runner.tick,
                              lambda: app.test_client().get(f"/run/stock?token={token}&format=text&wait=0").get_data(as_text=True),
                              lambda: runner.start("stock", "button")])
        for html in results[:2]:
            assert "už běží" in html and f"/jobs/{cli_run.id}" in html
        assert results[2] == []
        assert results[3].startswith(f"running run={cli_run.id} agenda=stock")
        assert results[4] == (cli_run.id, False)
        assert len(stock_runs()) == 1
        gate.touch()
        out, err = proc.communicate(timeout=30)
    finally:
        gate.touch()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, (out, err)
    runs = stock_runs()
    assert len(runs) == 1 and runs[0].status == "ok" and runs[0].trigger == "cli"


# =========================================================================== mServer: one request in flight


def list_pack(n: int) -> envelope.BuiltPack:
    """A small read-only pack."""
    return envelope.build_pack([stock.list_stock_request(count=5)], ico="12345678", pack_id=f"cc{n}")


def test_threads_and_a_second_process_against_the_emulator(mserver_factory: Callable[..., Any]) -> None:
    emu = mserver_factory(seed_stock=5)
    emu.set_faults(latency_ms=60)
    spellings = [emu.url, emu.url + "/", emu.url + "/xml", emu.url.upper().replace("HTTP://", "http://")]
    other = textwrap.dedent(f"""
        import sys
        from adapter.pohoda import envelope, stock
        from adapter.pohoda.client import MServerClient
        c = MServerClient({emu.url!r}, "admin", "heslo", "12345678", application="druhy-proces", retries=0)
        for i in range(4):
            pack = envelope.build_pack([stock.list_stock_request(count=5)], ico="12345678", pack_id=f"p{{i}}")
            assert c.send(pack, write=False).items
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([PY, "-c", other], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def worker(i: int) -> int:
        client = MServerClient(spellings[i % len(spellings)], "admin", "heslo", "12345678", retries=0)
        try:
            return sum(len(client.send(list_pack(i * 10 + k), write=False).items) for k in range(2))
        finally:
            client.close()

    answered = in_threads([lambda i=i: worker(i) for i in range(8)])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "ok" in out, err
    assert answered == [2] * 8
    stats = emu.stats()
    assert stats["max_concurrent"] == 1
    assert stats["requests"] >= 8 * 2 + 4


class Recorder:
    """An mServer stand-in that does NOT serialise: it records how many requests overlap, per caller."""

    def __init__(self, delay: float = 0.06) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.active: dict[str, int] = defaultdict(int)
        self.peak: dict[str, int] = defaultdict(int)
        self.total_active = 0
        self.total_peak = 0
        self.count = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                who = self.headers.get("STW-Application", "?")
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with outer.lock:
                    outer.active[who] += 1
                    outer.total_active += 1
                    outer.peak[who] = max(outer.peak[who], outer.active[who])
                    outer.total_peak = max(outer.total_peak, outer.total_active)
                time.sleep(outer.delay)
                with outer.lock:
                    outer.active[who] -= 1
                    outer.total_active -= 1
                    outer.count += 1
                body = STATUS if self.path.startswith("/status") else ANSWER
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


ANSWER = (f'<?xml version="1.0" encoding="UTF-8"?><rsp:responsePack xmlns:rsp="{envelope.NS["rsp"]}" version="2.0" '
          'id="x" state="ok" ico="12345678"><rsp:responsePackItem version="2.0" id="i" state="ok"/>'
          "</rsp:responsePack>").encode()
STATUS = b"<mServer><name>r</name><status>idle</status><processing>0</processing></mServer>"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A started recorder."""
    rec = Recorder()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def test_client_never_has_two_requests_in_flight_to_one_url(recorder: Recorder) -> None:
    spellings = [recorder.url, recorder.url + "/", recorder.url + "/xml/", recorder.url.replace("http", "HTTP")]

    def worker(i: int) -> None:
        client = MServerClient(spellings[i % len(spellings)], "admin", "heslo", "12345678", application="tento-proces",
                               retries=0)
        try:
            for k in range(3):
                if k == 1:
                    client.status()
                else:
                    client.post(list_pack(i).xml, write=k == 2)
        finally:
            client.close()

    started = time.monotonic()
    in_threads([lambda i=i: worker(i) for i in range(8)])
    assert recorder.count == 8 * 3
    assert recorder.peak["tento-proces"] == 1
    assert time.monotonic() - started >= 8 * 3 * recorder.delay * 0.9  # they really queued


def test_control_the_recorder_sees_overlap_without_the_lock(recorder: Recorder) -> None:
    """Without the client's lock the same requests overlap: the test above can fail."""

    def raw() -> None:
        requests.post(recorder.url + "/xml", data=list_pack(0).xml, headers={"STW-Application": "bez-zamku"}, timeout=10)

    in_threads([raw for _ in range(6)])
    assert recorder.peak["bez-zamku"] >= 2


def test_two_processes_may_overlap_at_one_mserver_and_both_are_answered(recorder: Recorder) -> None:
    """The lock is per process: the web app and a CLI run can both talk to one mServer.

    POHODA's mServer serialises processing itself (PROTOCOL.md §1.7) and each
    process still keeps one request in flight, so this costs waiting, not
    correctness. Recorded here so a change in either direction is noticed.
    """
    other = textwrap.dedent(f"""
        from adapter.pohoda import envelope, stock
        from adapter.pohoda.client import MServerClient
        c = MServerClient({recorder.url!r}, "admin", "heslo", "12345678", application="druhy-proces", retries=0)
        for i in range(6):
            c.post(envelope.build_pack([stock.list_stock_request()], ico="12345678", pack_id=f"p{{i}}").xml)
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([PY, "-c", other], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def worker() -> None:
        client = MServerClient(recorder.url, "admin", "heslo", "12345678", application="prvni-proces", retries=0)
        for i in range(6):
            client.post(list_pack(i).xml)
        client.close()

    in_threads([worker, worker])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "ok" in out, err
    assert recorder.count == 18
    assert recorder.peak["prvni-proces"] == 1 and recorder.peak["druhy-proces"] == 1
    assert recorder.total_peak <= 2

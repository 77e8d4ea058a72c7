"""Fixtures of EU sales: ČNB's rate file served from loopback; no test ever reaches the real ČNB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adapter.sync.currency import cnb


@pytest.fixture(autouse=True)
def _cnb_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default ČNB address is not on loopback: a download from it fails at once, as offline."""
    real = cnb.download

    def guarded(url: str, day: date, **kw: Any) -> cnb.CnbFile:
        host = urlsplit(url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise cnb.CnbError("Kurzy ČNB nelze stáhnout (testy pracují jen na tomto počítači).")
        return real(url, day, **kw)

    monkeypatch.setattr(cnb, "download", guarded)
    monkeypatch.setattr("adapter.sync.currency.book.download", guarded)


def cnb_text(day: date, rates: dict[str, tuple[int, str]]) -> str:
    """A ČNB file in its public text format."""
    rows = [f"{day:%d.%m.%Y} #{day.timetuple().tm_yday}", "země|měna|množství|kód|kurz"]
    rows += [f"Země {code}|měna|{amount}|{code}|{rate}" for code, (amount, rate) in rates.items()]
    return "\n".join(rows) + "\n"


@pytest.fixture
def cnb_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """(url, state): serves ``state["files"][date]`` (the last file on or before ``?date``); counts requests."""
    state: dict[str, Any] = {"files": {}, "requests": [], "down": False}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            day = date(*reversed([int(p) for p in query["date"][0].split(".")]))
            state["requests"].append(day)
            known = [d for d in state["files"] if d <= day]
            if state["down"] or not known:
                self.send_response(503)
                self.end_headers()
                return
            body = state["files"][max(known)].encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/denni_kurz.txt", state
    finally:
        server.shutdown()
        server.server_close()


CnbText = Callable[[date, dict[str, tuple[int, str]]], str]

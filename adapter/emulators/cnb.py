"""A loopback stand-in for ČNB's daily exchange-rate file, for demo mode (no internet needed).

It answers ``GET /?date=DD.MM.YYYY`` in ČNB's public text format (``denni_kurz.txt``):
a first line ``DD.MM.YYYY #n``, a header, then ``země|měna|množství|kód|kurz`` rows with a
decimal comma. As ČNB does, a weekend (or a day in the future) gets the file of the last
working day before it, and a request without ``date`` today's file. The rates are fixed per
emulator (``rates``), so a demo EUR order gets the same rate every run.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

#: code → (country, currency name, amount, CZK for ``amount`` units)
DEFAULT_RATES: Mapping[str, tuple[str, str, int, Decimal]] = {
    "EUR": ("EMU", "euro", 1, Decimal("24.335")),
    "USD": ("USA", "dolar", 1, Decimal("20.875")),
    "GBP": ("Velká Británie", "libra", 1, Decimal("27.790")),
    "PLN": ("Polsko", "zlotý", 1, Decimal("5.752")),
    "HUF": ("Maďarsko", "forint", 100, Decimal("6.320")),
}


def published_day(asked: date, today: date) -> date:
    """The day whose file ČNB serves for ``asked``: the last working day on or before it (never after today)."""
    day = min(asked, today)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def rate_file(day: date, rates: Mapping[str, tuple[str, str, int, Decimal]] = DEFAULT_RATES) -> str:
    """ČNB's text file for ``day``."""
    rows = [f"{day:%d.%m.%Y} #{day.timetuple().tm_yday}", "země|měna|množství|kód|kurz"]
    rows += [f"{country}|{name}|{amount}|{code}|{rate:.3f}".replace(".", ",")
             for code, (country, name, amount, rate) in sorted(rates.items())]
    return "\n".join(rows) + "\n"


class CnbEmulator:
    """ČNB's rate file on ``http://127.0.0.1:PORT/``; :meth:`start` returns that URL."""

    def __init__(self, rates: Mapping[str, tuple[str, str, int, Decimal]] = DEFAULT_RATES) -> None:
        self.rates = dict(rates)
        self.requests: list[date] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen on a free loopback port in a background thread."""
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                emulator.answer(self)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="cnb-emulator", daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        """The address to put into ``[currency] cnb_url``."""
        port = self._server.server_address[1] if self._server is not None else 0
        return f"http://127.0.0.1:{port}/"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """One request: the file for ``?date=`` (400 for a date ČNB would not read)."""
        today = date.today()
        asked = parse_qs(urlsplit(handler.path).query).get("date", [""])[0]
        try:
            day = datetime.strptime(asked, "%d.%m.%Y").date() if asked else today
        except ValueError:
            handler.send_error(400, "Chybny format data, pouzijte DD.MM.RRRR")
            return
        self.requests.append(day)
        body = rate_file(published_day(day, today), self.rates).encode("utf-8")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain; charset=UTF-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

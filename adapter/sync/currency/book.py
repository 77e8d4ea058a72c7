"""The rate of a foreign currency on a document's date: ČNB (cached in the ledger), then the fixed rate.

Order of lookup for ``[currency] source = "cnb"``: the ledger's cache for that
day → ČNB's file for that day (downloaded once, every currency of it stored)
→ ``[currency] fixed_rates``. With ``source = "fixed"`` only the fixed rates.
No rate at all → None, and the document is held with the reason.

Today's file is published by ČNB at about 14:30; asked for today before that,
ČNB answers with the previous working day's file. That answer is used but not
cached, so a later run picks up today's rates.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from peewee import PeeweeException

from adapter.config.eu import CurrencySettings
from adapter.ledger import rates as cache
from adapter.sync.currency.cnb import CnbError, CnbFile, download
from adapter.sync.orders.mapping import parse_rate

Rate = tuple[Decimal, int]


class RateBook:
    """Rates for one job run (memoised); callable as ``book(code, day)`` for :class:`MappingOptions`."""

    def __init__(self, settings: CurrencySettings, *, fetch: Callable[[str, date], CnbFile] = download,
                 today: Callable[[], date] = date.today) -> None:
        self.settings = settings
        self.fetch = fetch
        self.today = today
        self.failures: dict[date, str] = {}  #: day → why ČNB could not be read (Czech)
        self._memo: dict[tuple[str, date], Rate | None] = {}

    def __call__(self, code: str, day: date) -> Rate | None:
        key = (code.upper(), day)
        if key not in self._memo:
            self._memo[key] = self._lookup(*key)
        return self._memo[key]

    def _lookup(self, code: str, day: date) -> Rate | None:
        if code == "CZK":
            return Decimal(1), 1
        if self.settings.source == "cnb":
            found = self._cnb(code, day)
            if found is not None:
                return found
        for cur, text in self.settings.fixed_rates.items():
            if cur.strip().upper() == code:
                return parse_rate(text)
        return None

    def _cnb(self, code: str, day: date) -> Rate | None:
        try:
            hit = cache.cached(day, code)
            if hit is not None or cache.day_cached(day):
                return hit
        except PeeweeException:
            pass  # no ledger open (a preview without one): ask ČNB directly
        if day in self.failures or day > self.today():
            return None
        try:
            file = self.fetch(self.settings.cnb_url, day)
        except CnbError as exc:
            self.failures[day] = str(exc)
            return None
        found = {c: (r.rate, r.amount) for c, r in file.rates.items()}
        if file.day == day or day < self.today():
            with contextlib.suppress(PeeweeException):
                cache.store(day, file.day, found)
        return found.get(code)

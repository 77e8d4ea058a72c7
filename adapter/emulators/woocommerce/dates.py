"""Dates of the WooCommerce emulator: a second-resolution clock, GMT strings and the site's local time (Prague)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SITE_TZ = ZoneInfo("Europe/Prague")


class Clock:
    """Second-resolution time source; ``stamp`` makes one object's modified date move on every write."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        """The current time, UTC, whole seconds."""
        return self._now().astimezone(UTC).replace(microsecond=0)

    def stamp(self, previous_gmt: str | None = None) -> str:
        """A GMT date string, strictly after ``previous_gmt`` when given."""
        now = self.now()
        if previous_gmt:
            prev = parse_gmt(previous_gmt)
            if now <= prev:
                now = prev + timedelta(seconds=1)
        return to_gmt(now)


def to_gmt(moment: datetime) -> str:
    """WooCommerce's GMT date format (no offset)."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def parse_gmt(text: str) -> datetime:
    """Parse a stored GMT date string (``YYYY-MM-DDTHH:MM:SS``, nothing else)."""
    if len(text) == 19 and text[10] == "T" and text.isascii():  # the stored shape: the fast C parser
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


@functools.lru_cache(maxsize=16384)
def _site_offset(gmt_hour: str) -> timedelta:
    """The site's UTC offset during one GMT hour ("YYYY-MM-DDTHH"; offsets change only on whole hours)."""
    moment = datetime.fromisoformat(gmt_hour + ":00:00").replace(tzinfo=UTC)
    return moment.astimezone(SITE_TZ).utcoffset() or timedelta(0)


def gmt_to_local(text: str | None) -> str | None:
    """The site-local twin of a GMT date string."""
    if not text:
        return None
    if len(text) == 19 and text[10] == "T" and text.isascii():
        return (datetime.fromisoformat(text) + _site_offset(text[:13])).isoformat()
    return parse_gmt(text).astimezone(SITE_TZ).strftime("%Y-%m-%dT%H:%M:%S")


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_request_date(text: str, *, gmt: bool) -> str | None:
    """A request date (RFC 3339, offset optional) as a comparable string in the GMT or local column's zone."""
    if not isinstance(text, str) or not _DATE_RE.match(text.strip()):
        return None
    value = datetime.fromisoformat(text.strip().replace(" ", "T").replace("Z", "+00:00"))
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    zone = UTC if gmt else SITE_TZ
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def local_to_gmt(text: str) -> str:
    """Convert a naive site-local date string to GMT."""
    value = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=SITE_TZ)
    return to_gmt(value)

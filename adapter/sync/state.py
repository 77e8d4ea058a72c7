"""Watermark (bookmark) logic for incremental runs — pure functions.

Two clocks are involved and never mixed:

* POHODA's ``lastChanges`` filter and the ``dateTimeStamp`` of its list
  answers are POHODA's *local* wall-clock time without a zone. The
  watermark keeps POHODA's own string and goes back by an overlap before it
  is sent again, so records changed at the edge are read twice rather than
  never (the ledger's payload hash absorbs the repeats).
* The shop's cursor (WooCommerce ``date_modified_gmt``) is UTC.

A new watermark is the answer's own timestamp, capped at the run's start
(the signpost), and it is saved only after the rows it covers are committed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

POHODA_FORMAT = "%Y-%m-%dT%H:%M:%S"


def parse_pohoda_time(text: str) -> datetime | None:
    """A POHODA ``xsd:dateTime`` (naive local time) or None for empty/bad input."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=None)


def format_pohoda_time(value: datetime) -> str:
    """A naive local datetime as POHODA's ``lastChanges`` wants it."""
    return value.replace(tzinfo=None, microsecond=0).strftime(POHODA_FORMAT)


def pohoda_since(cursor: str, overlap: timedelta) -> datetime | None:
    """Where the next incremental POHODA read starts: watermark minus overlap (None = everything)."""
    mark = parse_pohoda_time(cursor)
    return None if mark is None else mark - overlap


def next_pohoda_cursor(previous: str, answer_stamp: datetime | None, signpost_local: datetime) -> str:
    """The watermark to save after a run: the answer's stamp, never beyond the run's start, never backwards."""
    candidate = answer_stamp or signpost_local
    candidate = min(candidate.replace(tzinfo=None), signpost_local.replace(tzinfo=None))
    prev = parse_pohoda_time(previous)
    if prev is not None and prev > candidate:
        candidate = prev
    return format_pohoda_time(candidate)


def parse_utc(text: str) -> datetime | None:
    """An ISO UTC cursor (naive values are taken as UTC)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def shop_since(cursor: str, overlap: timedelta) -> datetime | None:
    """Where the next incremental shop read starts (UTC), or None for everything."""
    mark = parse_utc(cursor)
    return None if mark is None else mark - overlap


def next_shop_cursor(previous: str, max_seen: datetime | None, signpost: datetime) -> str:
    """The shop watermark after a run: the newest modification seen, capped at the signpost."""
    prev = parse_utc(previous)
    candidate = max_seen if max_seen is not None else prev
    if candidate is None:
        return previous
    candidate = min(candidate.astimezone(UTC), signpost.astimezone(UTC))
    if prev is not None and prev > candidate:
        candidate = prev
    return candidate.isoformat()

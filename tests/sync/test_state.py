"""Watermarks: overlap, signpost cap, never backwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapter.sync import state


def test_pohoda_cursor_roundtrip_and_overlap():
    assert state.pohoda_since("", timedelta(minutes=5)) is None
    since = state.pohoda_since("2026-11-29T10:00:00", timedelta(minutes=5))
    assert since == datetime(2026, 11, 29, 9, 55)
    assert state.format_pohoda_time(since) == "2026-11-29T09:55:00"
    assert state.parse_pohoda_time("nonsense") is None


def test_next_pohoda_cursor_is_capped_and_monotonic():
    signpost = datetime(2026, 11, 29, 10, 0)
    assert state.next_pohoda_cursor("", datetime(2026, 11, 29, 9, 59, 30), signpost) == "2026-11-29T09:59:30"
    assert state.next_pohoda_cursor("", datetime(2026, 11, 29, 11, 0), signpost) == "2026-11-29T10:00:00"
    assert state.next_pohoda_cursor("2026-11-29T10:30:00", datetime(2026, 11, 29, 9, 0), signpost) == "2026-11-29T10:30:00"
    assert state.next_pohoda_cursor("", None, signpost) == "2026-11-29T10:00:00"


def test_shop_cursor_utc():
    signpost = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    seen = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    cur = state.next_shop_cursor("", seen, signpost)
    assert state.parse_utc(cur) == seen
    assert state.shop_since(cur, timedelta(minutes=10)) == seen - timedelta(minutes=10)
    assert state.next_shop_cursor(cur, None, signpost) == cur
    assert state.next_shop_cursor("", None, signpost) == ""
    later = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert state.parse_utc(state.next_shop_cursor(cur, later, signpost)) == signpost
    assert state.parse_utc("2026-11-29T09:00:00") == seen

"""The shop's wire format: RFC 3986 query strings, JSON with exact decimals, ``Retry-After``.

Pure functions, no I/O; :mod:`adapter.eshop._http` uses them for every request and answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from urllib.parse import quote

__all__ = ["dumps", "encode_query", "loads", "retry_after_seconds"]


def encode_query(params: Sequence[tuple[str, str]]) -> str:
    """RFC 3986 query string (``%20`` for spaces, ``~`` kept), as PHP's ``rawurlencode``."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)


def dumps(payload: object) -> bytes:
    """JSON-encode with ``Decimal`` written as an exact number (never through float)."""
    marks: dict[str, str] = {}

    def mark(value: object) -> object:
        if isinstance(value, Decimal):
            token = f"\x00dec{len(marks)}\x00"
            marks[token] = format(value, "f")
            return token
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(payload), ensure_ascii=False)
    for token, number in marks.items():
        text = text.replace(json.dumps(token), number)
    return text.encode("utf-8")


def loads(body: bytes) -> object:
    """Decode JSON with floats as ``Decimal``; NaN/Infinity and absurd nesting are refused (ValueError)."""

    def no_constant(name: str) -> object:
        raise ValueError(f"JSON constant {name} not allowed")

    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]  # some WordPress plugins emit a BOM before the JSON
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=no_constant)
    except RecursionError:  # e.g. 100 000 nested "[" from a broken plugin
        raise ValueError("JSON nested too deeply") from None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())

"""Named queries of the stock agenda's ledger rows (agenda ``stock``, key = shop product id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from adapter.ledger import Entry

AGENDA = "stock"
#: keys per ``IN (…)`` query
CHUNK = 500


def stock_hashes(keys: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """key → (payload hash, state) of the stock ledger rows (all, or the given keys)."""
    E = Entry
    if keys is None:
        rows = cast(Iterable[tuple[str, str, str]], E.select(E.key, E.payload_hash, E.state).where(E.agenda == AGENDA).tuples())
        return {k: (h, s) for k, h, s in rows}
    out: dict[str, tuple[str, str]] = {}
    key_list = list(dict.fromkeys(keys))
    for i in range(0, len(key_list), CHUNK):
        query = E.select(E.key, E.payload_hash, E.state).where((E.agenda == AGENDA) & E.key.in_(key_list[i : i + CHUNK]))
        out.update({k: (h, s) for k, h, s in cast(Iterable[tuple[str, str, str]], query.tuples())})
    return out


def stock_error_keys() -> list[str]:
    """Keys (shop product ids) whose last push failed."""
    query = Entry.select(Entry.key).where((Entry.agenda == AGENDA) & (Entry.state == "error"))
    return [k for (k,) in cast(Iterable[tuple[str]], query.tuples())]

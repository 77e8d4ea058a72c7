"""Named queries of the customers agenda's ledger rows (``customers_out``, ``customers_in``, ``customers_conflict``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from adapter.ledger import Entry

AGENDA_OUT = "customers_out"
AGENDA_CONFLICT = "customers_conflict"
#: ids per ``IN (…)`` query
CHUNK = 500


def open_conflict_keys() -> set[str]:
    """Keys of the conflicts a person has not decided yet."""
    query = Entry.select(Entry.key).where((Entry.agenda == AGENDA_CONFLICT) & (Entry.state == "held"))
    return {key for (key,) in cast(Iterable[tuple[str]], query.tuples())}


def customer_links_to(pohoda_ids: Iterable[int]) -> list[Entry]:
    """``customers_out`` links pointing at any of these POHODA records."""
    ids = list(pohoda_ids)
    found: list[Entry] = []
    for i in range(0, len(ids), CHUNK):
        found.extend(Entry.select().where((Entry.agenda == AGENDA_OUT) & Entry.pohoda_id.in_(ids[i : i + CHUNK])))
    return found

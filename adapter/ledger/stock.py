"""Named queries of the stock agenda: its ledger rows (agenda ``stock``, key = shop product id) and the
Pairing rows an incremental run looks up (only the codes and products it needs).

Queries over many keys go in chunks of :data:`CHUNK` as plain parameterised SQL: peewee builds an
``IN (…)`` of 500 values node by node, which cost more than the queries themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from adapter.ledger import Entry, Pairing, database
from adapter.ledger.pairing import LINKED

AGENDA = "stock"
#: keys per ``IN (…)`` query
CHUNK = 500


def _chunked(sql: str, fixed: Sequence[Any], values: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (with one ``{marks}`` for an ``IN`` list) for the values in chunks; ``fixed`` args first."""
    value_list = list(dict.fromkeys(values))
    for i in range(0, len(value_list), CHUNK):
        chunk = value_list[i : i + CHUNK]
        cursor = database.execute_sql(sql.format(marks=",".join("?" * len(chunk))), [*fixed, *chunk])
        yield from cast(Iterable[tuple[Any, ...]], cursor.fetchall())


def _entries_sql(columns: str, where: str = "") -> str:
    table = Entry._meta.table_name
    return f'SELECT {columns} FROM "{table}" WHERE "agenda" = ? {where}AND "key" IN ({{marks}})'  # noqa: S608


def stock_hashes(keys: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """key → (payload hash, state) of the stock ledger rows (all, or the given keys)."""
    E = Entry
    if keys is None:
        rows = cast(Iterable[tuple[str, str, str]], E.select(E.key, E.payload_hash, E.state).where(E.agenda == AGENDA).tuples())
        return {k: (h, s) for k, h, s in rows}
    return {k: (h, s) for k, h, s in _chunked(_entries_sql('"key", "payload_hash", "state"'), [AGENDA], keys)}


def stock_error_keys() -> list[str]:
    """Keys (shop product ids) whose last push failed."""
    query = Entry.select(Entry.key).where((Entry.agenda == AGENDA) & (Entry.state == "error"))
    return [k for (k,) in cast(Iterable[tuple[str]], query.tuples())]


#: the state is compared in Python: with ``"state" = ?`` in the WHERE, SQLite picks the (agenda, state) index
#: and reads every ``ok`` row of the agenda for each chunk (quadratic: 70 ms per chunk at 500,000 products)
#: instead of the (agenda, key) index (0.5 ms)
PUSHED_SQL = _entries_sql('"key", "payload_hash", "state"')


def stock_pushed(shown: Mapping[str, Collection[str]]) -> set[str]:
    """Keys whose stock row is ``ok`` with one of the given payload hashes (key → hashes), in chunked queries.

    The drift check asks it which products the shop shows exactly as the adapter pushed them last.
    """
    rows = _chunked(PUSHED_SQL, [AGENDA], shown)
    return {k for k, h, state in rows if state == "ok" and h in shown[k]}


#: one linked Pairing row: (product id, parent id, SKU, POHODA code, card id)
LinkRow = tuple[int, int | None, str, str, int | None]


def _links_sql(condition: str) -> str:
    table = Pairing._meta.table_name
    linked = ",".join(f"'{status}'" for status in LINKED)
    return (f'SELECT product_id, parent_id, sku, pohoda_code, pohoda_id FROM "{table}" '  # noqa: S608
            f"WHERE product_id IS NOT NULL AND pohoda_code != '' AND status IN ({linked}) AND {condition}")


def links_by_codes(codes: Iterable[str], *, ascii_nocase: bool = False) -> list[LinkRow]:
    """The linked Pairing rows whose stored POHODA code is one of ``codes``, in chunked queries.

    Exact comparison uses the code's index; ``ascii_nocase`` compares ignoring the case of ASCII letters
    (SQLite's NOCASE, a scan of the table), for codes a card may carry in another case than the stored one.
    """
    column = "pohoda_code COLLATE NOCASE" if ascii_nocase else "pohoda_code"
    return cast(list[LinkRow], list(_chunked(_links_sql(f"{column} IN ({{marks}})"), [], codes)))


def links_by_products(product_ids: Iterable[int]) -> list[LinkRow]:
    """The linked Pairing rows of these shop product ids, in chunked queries."""
    return cast(list[LinkRow], list(_chunked(_links_sql("product_id IN ({marks})"), [], product_ids)))


def stored_codes(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` the Pairing table holds as they are (in a row of any status), by the code's index."""
    table = Pairing._meta.table_name
    sql = f'SELECT DISTINCT pohoda_code FROM "{table}" WHERE pohoda_code IN ({{marks}})'  # noqa: S608
    return {code for (code,) in _chunked(sql, [], codes)}

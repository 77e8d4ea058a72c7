"""Named queries of the stock agenda: its ledger rows (agenda ``stock``, key = shop product id) and the
Pairing rows an incremental run looks up (only the codes and products it needs)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, cast

from adapter.ledger import Entry, Pairing
from adapter.ledger.pairing import LINKED

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


def stock_pushed(shown: Mapping[str, Collection[str]]) -> set[str]:
    """Keys whose stock row is ``ok`` with one of the given payload hashes (key → hashes), in chunked queries.

    The drift check asks it which products the shop shows exactly as the adapter pushed them last.
    """
    E = Entry
    out: set[str] = set()
    keys = list(shown)
    for i in range(0, len(keys), CHUNK):
        query = E.select(E.key, E.payload_hash).where(
            (E.agenda == AGENDA) & (E.state == "ok") & E.key.in_(keys[i : i + CHUNK]))
        out.update(k for k, h in cast(Iterable[tuple[str, str]], query.tuples()) if h in shown[k])
    return out


#: one linked Pairing row: (product id, parent id, SKU, POHODA code, card id)
LinkRow = tuple[int, int | None, str, str, int | None]


def _link_rows(condition: Any) -> list[LinkRow]:
    P = Pairing
    linked = P.product_id.is_null(False) & (P.pohoda_code != "") & P.status.in_(LINKED)
    query = P.select(P.product_id, P.parent_id, P.sku, P.pohoda_code, P.pohoda_id).where(linked & condition)
    return list(cast(Iterable[LinkRow], query.tuples()))


def links_by_codes(codes: Iterable[str], *, ascii_nocase: bool = False) -> list[LinkRow]:
    """The linked Pairing rows whose stored POHODA code is one of ``codes``, in chunked queries.

    Exact comparison uses the code's index; ``ascii_nocase`` compares ignoring the case of ASCII letters
    (SQLite's NOCASE, a scan of the table), for codes a card may carry in another case than the stored one.
    """
    code_list = list(dict.fromkeys(codes))
    field = Pairing.pohoda_code.collate("NOCASE") if ascii_nocase else Pairing.pohoda_code
    out: list[LinkRow] = []
    for i in range(0, len(code_list), CHUNK):
        out += _link_rows(field.in_(code_list[i : i + CHUNK]))
    return out


def links_by_products(product_ids: Iterable[int]) -> list[LinkRow]:
    """The linked Pairing rows of these shop product ids, in chunked queries."""
    ids = list(dict.fromkeys(product_ids))
    out: list[LinkRow] = []
    for i in range(0, len(ids), CHUNK):
        out += _link_rows(Pairing.product_id.in_(ids[i : i + CHUNK]))
    return out

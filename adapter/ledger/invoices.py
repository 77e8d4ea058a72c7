"""The invoices agenda in the ledger: the named queries of the invoices job and every state change of an invoice.

An invoice's row moves ``held`` / ``pending`` → ``sending`` (committed before
the POST) → ``ok`` or ``error``; an ``ok`` row gets a ``changed`` note when the
shop order changes afterwards (POHODA cannot update invoices).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapter.ledger import Entry, database, entries_for, save_entry

AGENDA = "invoices"


def in_states(states: Iterable[str]) -> list[Entry]:
    """The invoice rows in any of ``states``."""
    return list(Entry.select().where((Entry.agenda == AGENDA) & (Entry.state.in_(list(states)))))


def rows_for(keys: Iterable[str]) -> dict[str, Entry]:
    """key → the invoice's ledger row, for the keys that have one."""
    return entries_for(AGENDA, keys)


def hold(key: str, *, label: str, reason: str, digest: str, details: dict[str, Any], eshop_data: dict[str, Any],
         run: int) -> None:
    """The invoice waits (its order not transferred yet, a missing rate …)."""
    save_entry(AGENDA, key, state="held", label=label, shop_id=key, error=reason, payload_hash=digest,
               details=details, eshop_data=eshop_data, run=run)


def note_change(key: str, *, details: dict[str, Any], warnings: list[str], eshop_data: dict[str, Any]) -> None:
    """An invoiced order changed in the shop: keep the change for a person (the state stays ``ok``)."""
    save_entry(AGENDA, key, details=details, warnings=warnings, eshop_data=eshop_data)


def begin_sending(rows: Iterable[dict[str, Any]]) -> None:
    """Commit every invoice of a batch as ``sending`` in one transaction, before the POST."""
    with database.atomic("IMMEDIATE"):
        for row in rows:
            save_entry(AGENDA, state="sending", **row)


def answered(key: str, **values: Any) -> None:
    """Record POHODA's answer to one invoice (``state`` ok or error, with everything it said)."""
    save_entry(AGENDA, key, **values)


def transaction() -> Any:
    """One write transaction for the answers of a pack."""
    return database.atomic("IMMEDIATE")


def lost(key: str, reason: str, run: int) -> None:
    """A ``sending`` invoice POHODA turned out not to hold: sent again in this run."""
    save_entry(AGENDA, key, state="pending", run=run, error=reason)


def confirm(key: str, *, pohoda_id: int | None, number: str, run: int) -> None:
    """An invoice found in POHODA after an interrupted send."""
    save_entry(AGENDA, key, state="ok", pohoda_id=pohoda_id, pohoda_number=number, error="", run=run)

"""The refunds agenda in the ledger: credit notes (one row per shop refund) and cancellations (one per order).

A credit note's row (agenda ``refunds``, key = the shop refund id) moves
``held`` / ``pending`` → ``sending`` (committed before the POST) → ``ok`` or
``error``, exactly as orders and invoices do. A cancelled order's row (agenda
``cancels``, key = the shop order id) is ``held`` while it is only listed for a
person, ``sending`` while its delete is in flight, ``ok`` once POHODA's received
order is gone, ``error`` when POHODA refused the delete.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapter.ledger import Entry, database, entries_for, save_entry

AGENDA = "refunds"
CANCELS = "cancels"


def in_states(states: Iterable[str], agenda: str = AGENDA) -> list[Entry]:
    """The rows of ``agenda`` in any of ``states``."""
    return list(Entry.select().where((Entry.agenda == agenda) & (Entry.state.in_(list(states)))))


def rows_for(keys: Iterable[str], agenda: str = AGENDA) -> dict[str, Entry]:
    """key → the row, for the keys that have one."""
    return entries_for(agenda, keys)


def for_orders(order_ids: Iterable[str]) -> dict[str, list[Entry]]:
    """shop order id → its refunds' rows (``shop_id`` holds the order id)."""
    out: dict[str, list[Entry]] = {}
    ids = list(order_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for entry in Entry.select().where((Entry.agenda == AGENDA) & (Entry.shop_id.in_(chunk))):
            out.setdefault(entry.shop_id, []).append(entry)
    return out


def hold(key: str, *, agenda: str = AGENDA, label: str, reason: str, shop_id: str, details: dict[str, Any],
         run: int, digest: str = "", eshop_data: dict[str, Any] | None = None) -> None:
    """The document waits (no invoice yet, bad refund, a cancellation only listed for a person …)."""
    save_entry(agenda, key, state="held", label=label, shop_id=shop_id, error=reason, details=details, run=run,
               payload_hash=digest, eshop_data=eshop_data)


def begin_sending(rows: Iterable[dict[str, Any]], agenda: str = AGENDA) -> None:
    """Commit every document of a pack as ``sending`` in one transaction, before the POST."""
    with database.atomic("IMMEDIATE"):
        for row in rows:
            save_entry(agenda, state="sending", **row)


def answered(key: str, agenda: str = AGENDA, **values: Any) -> None:
    """Record POHODA's answer to one document."""
    save_entry(agenda, key, **values)


def transaction() -> Any:
    """One write transaction for the answers of a pack."""
    return database.atomic("IMMEDIATE")


def lost(key: str, reason: str, run: int, agenda: str = AGENDA) -> None:
    """A ``sending`` document POHODA turned out not to hold: sent again."""
    save_entry(agenda, key, state="pending", run=run, error=reason)


def confirm(key: str, *, pohoda_id: int | None, number: str, run: int, agenda: str = AGENDA) -> None:
    """A document found done in POHODA after an interrupted send."""
    save_entry(agenda, key, state="ok", pohoda_id=pohoda_id, pohoda_number=number, error="", run=run)


def note_done(key: str, details: dict[str, Any]) -> None:
    """The shop order got its private note about the credit note."""
    save_entry(AGENDA, key, details=details)


def summary() -> dict[str, int]:
    """Counts for the dashboard card: credit notes by state and cancellations waiting for a person."""
    out: dict[str, int] = {}
    for entry in Entry.select(Entry.agenda, Entry.state).where(Entry.agenda.in_([AGENDA, CANCELS])):
        name = f"{entry.agenda}_{entry.state}"
        out[name] = out.get(name, 0) + 1
    return out


def open_rows(agenda: str, limit: int = 200) -> list[Entry]:
    """Rows of ``agenda`` waiting for a person or failed (held, error), newest first."""
    query = (Entry.select().where((Entry.agenda == agenda) & (Entry.state.in_(["held", "error"])))
             .order_by(Entry.updated_at.desc()).limit(limit))
    return list(query)


def recent_ok(agenda: str, limit: int = 20) -> list[Entry]:
    """The newest finished rows of ``agenda``."""
    query = (Entry.select().where((Entry.agenda == agenda) & (Entry.state == "ok"))
             .order_by(Entry.updated_at.desc()).limit(limit))
    return list(query)

"""The ``states`` agenda in the ledger: what the shop was last told about each transferred order.

One row per shop order (key = the shop's order id). ``payload_hash`` is the digest of what was
written (POHODA state, invoice number, tracking number, status, note): the same digest again
means nothing changed, so nothing is written. A change is committed as ``sending`` before the
shop is written, then ``ok``; a row left ``sending`` (crash) or ``error`` is written again by the
next run with the same values — the shop write is idempotent, so the order changes once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapter.ledger import Entry, entries_for, save_entry

AGENDA = "states"
ORDERS = "orders"


def transferred() -> list[Entry]:
    """The orders the adapter transferred to POHODA (orders ledger rows in ``ok`` with a POHODA id or number)."""
    return list(Entry.select(Entry.key, Entry.label, Entry.pohoda_id, Entry.pohoda_number, Entry.details)
                .where((Entry.agenda == ORDERS) & (Entry.state == "ok")
                       & ((Entry.pohoda_id.is_null(False)) | (Entry.pohoda_number != ""))))


def rows_for(keys: Iterable[str]) -> dict[str, Entry]:
    """key → the order's states row, for the keys that have one."""
    return entries_for(AGENDA, keys)


def unfinished() -> list[Entry]:
    """Rows whose last change did not reach the shop (``sending`` after a crash, ``error``)."""
    return list(Entry.select().where((Entry.agenda == AGENDA) & (Entry.state.in_(["sending", "error"]))))


def begin(key: str, *, label: str, digest: str, details: dict[str, Any], pohoda_id: int | None,
          pohoda_number: str, run: int) -> None:
    """A change is about to be written to the shop (committed before the write)."""
    save_entry(AGENDA, key, state="sending", label=label, shop_id=key, payload_hash=digest, details=details,
               pohoda_id=pohoda_id, pohoda_number=pohoda_number, error="", run=run)


def done(key: str, *, status: str, run: int) -> None:
    """The shop holds the change."""
    save_entry(AGENDA, key, state="ok", error="", eshop_data={"status": status}, run=run)


def fail(key: str, message: str, run: int) -> None:
    """Writing to the shop failed; the next run writes the same change again."""
    save_entry(AGENDA, key, state="error", error=message, run=run)


def remember_invoice(key: str, details: dict[str, Any]) -> None:
    """Keep what POHODA said without writing anything (e.g. an invoice seen before its order changes)."""
    save_entry(AGENDA, key, details=details)

"""The ``documents`` agenda in the ledger: one row per issued invoice of a transferred order.

Key = POHODA's invoice id. States:

- ``print_error``: POHODA gave no usable PDF (the Czech reason in ``error``); printed again next run;
- ``printed``: the PDF is stored in the data folder (``details.path``), the e-mail is still to send;
- ``mailing``: committed right before the SMTP transaction; a row found in this state by a later run
  may or may not have been delivered (the process died in between), so it is not sent again on its
  own: it goes to ``held`` for a person (at most once; "Odeslat znovu" on the order's page);
- ``ok``: mailed (or stored only, when e-mailing is off); ``error``: SMTP refused — mailed again next run;
- ``no_email``: the order has no (valid) e-mail address — listed, not failed; looked at again by a full
  run (the address may have been fixed) or after "Odeslat znovu".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapter.ledger import Entry, entries_for, get_entry, get_entry_by_id, save_entry

AGENDA = "documents"
RETRY_PRINT = ("print_error",)
TO_MAIL = ("printed", "error")


def rows_for(keys: Iterable[str]) -> dict[str, Entry]:
    """invoice id → its row, for the ids that have one."""
    return entries_for(AGENDA, keys)


def in_states(states: Iterable[str]) -> list[Entry]:
    """The rows in any of ``states``."""
    return list(Entry.select().where((Entry.agenda == AGENDA) & (Entry.state.in_(list(states)))))


def for_order(order_key: str) -> list[Entry]:
    """The invoice PDFs of one shop order (for its page)."""
    return list(Entry.select().where((Entry.agenda == AGENDA) & (Entry.shop_id == order_key)).order_by(Entry.created_at))


def row(entry_id: int) -> Entry | None:
    """A document row by its ledger id (for the download route)."""
    entry = get_entry_by_id(entry_id)
    return entry if entry is not None and entry.agenda == AGENDA else None


def by_key(key: str) -> Entry | None:
    """A document row by invoice id."""
    return get_entry(AGENDA, key)


def print_failed(key: str, *, label: str, order_key: str, number: str, pohoda_id: int, message: str,
                 details: dict[str, Any], run: int) -> None:
    """POHODA gave no usable PDF; printed again next run."""
    save_entry(AGENDA, key, state="print_error", label=label, shop_id=order_key, pohoda_number=number,
               pohoda_id=pohoda_id, error=message, details=details, run=run)


def stored(key: str, *, label: str, order_key: str, number: str, pohoda_id: int, details: dict[str, Any],
           run: int) -> None:
    """The PDF is in the data folder; the e-mail is next."""
    save_entry(AGENDA, key, state="printed", label=label, shop_id=order_key, pohoda_number=number,
               pohoda_id=pohoda_id, error="", details=details, run=run)


def mailing(key: str, details: dict[str, Any], run: int) -> None:
    """Committed right before the SMTP transaction."""
    save_entry(AGENDA, key, state="mailing", details=details, run=run)


def set_state(key: str, state: str, *, message: str = "", details: dict[str, Any] | None = None,
              run: int | None = None) -> None:
    """Any other state change (ok, error, no_email, held, printed)."""
    values: dict[str, Any] = {"state": state, "error": message}
    if details is not None:
        values["details"] = details
    if run is not None:
        values["run"] = run
    save_entry(AGENDA, key, **values)

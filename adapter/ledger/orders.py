"""The orders agenda in the ledger: the named queries of the orders job and pages, and every state change of an order.

An order's ledger row moves ``held`` / ``error`` / ``skipped`` / ``pending`` →
``sending`` (committed before the POST) → ``ok`` or ``error``; an ``ok`` row
carries the ``mark_pending`` flag until the shop order is marked transferred,
and a ``changed`` note when the shop changed it afterwards. Every one of those
writes is a function here, so the state of an order is decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from adapter.ledger import Entry, Pairing, entries_for, get_entry, save_entries, save_entry, set_state, utcnow

AGENDA = "orders"
#: the flag an ``ok`` row carries until its shop order is marked transferred
MARK_PENDING = '"mark_pending": true'


# --------------------------------------------------------------------------- queries


def pairing_codes() -> list[Pairing]:
    """The Pairing rows of shop SKUs (code, warehouses, EAN, conflict) for the pairing resolver."""
    return list(Pairing.select(Pairing.sku, Pairing.pohoda_code, Pairing.stores, Pairing.shop_ean,
                          Pairing.conflict).where(Pairing.sku != ""))


def in_states(states: Iterable[str], agenda: str = AGENDA) -> list[Entry]:
    """The agenda's rows in any of ``states``."""
    return list(Entry.select().where((Entry.agenda == agenda) & (Entry.state.in_(list(states)))))


def unmarked(agenda: str = AGENDA) -> list[Entry]:
    """Transferred orders whose shop marking has not succeeded yet."""
    return list(Entry.select().where((Entry.agenda == agenda) & (Entry.state == "ok")
                                     & (Entry.details.contains(MARK_PENDING))))


def count_unmarked() -> int:
    """How many transferred orders wait to be marked in the shop."""
    return int(Entry.select().where((Entry.agenda == AGENDA) & (Entry.state == "ok")
                                    & (Entry.details.contains(MARK_PENDING))).count())


def changed_candidates() -> list[Entry]:
    """Transferred orders whose details mention a change in the shop (the caller checks the flag itself)."""
    return list(Entry.select().where((Entry.agenda == AGENDA) & (Entry.state == "ok")
                                     & (Entry.details.contains('"changed"'))))


def rows_for(keys: Iterable[str]) -> dict[str, Entry]:
    """key → the order's ledger row, for the keys that have one."""
    return entries_for(AGENDA, keys)


# --------------------------------------------------------------------------- the state of one order


def hold(key: str, *, label: str, reason: str, digest: str, details: dict[str, Any], warnings: list[str],
         eshop_data: dict[str, Any], run: int) -> None:
    """The order waits (unpaired product, unmapped VAT, missing rate …); re-evaluated every run."""
    save_entry(AGENDA, key, state="held", label=label, shop_id=key, error=reason, payload_hash=digest,
               details=details, warnings=warnings, eshop_data=eshop_data, run=run)


def fail(key: str, *, label: str, message: str, digest: str, details: dict[str, Any], eshop_data: dict[str, Any],
         run: int) -> None:
    """The order failed before it could be sent."""
    save_entry(AGENDA, key, state="error", label=label, shop_id=key, error=message, payload_hash=digest,
               details=details, eshop_data=eshop_data, run=run)


def set_aside(key: str, reason: str, run: int) -> None:
    """The order needs nothing any more (no longer marked for transfer, gone from the shop)."""
    save_entry(AGENDA, key, state="skipped", error=reason, run=run)


def note_change(key: str, *, details: dict[str, Any], warnings: list[str], eshop_data: dict[str, Any]) -> None:
    """A transferred order changed in the shop: keep the change for a person (the state stays ``ok``)."""
    save_entry(AGENDA, key, details=details, warnings=warnings, eshop_data=eshop_data)


def accept_change(key: str, *, digest: str, details: dict[str, Any], warnings: list[str]) -> None:
    """A person dealt with a change after transfer: the shop's content is the new normal."""
    save_entry(AGENDA, key, payload_hash=digest, details=details, warnings=warnings)


def write_rows(rows: Sequence[dict[str, Any]]) -> None:
    """Several orders' rows in one transaction (``sending`` before the POST; the answers after it)."""
    save_entries(AGENDA, rows)


def fetched(key: str, *, label: str, digest: str, warnings: list[str], details: dict[str, Any], sent_xml: str,
            eshop_data: dict[str, Any], attempts: int, run: int) -> None:
    """POHODA fetched the order itself: ``sending`` until it turns up in POHODA or a person confirms it."""
    save_entry(AGENDA, key, state="sending", label=label, shop_id=key, payload_hash=digest, error="",
               warnings=warnings, details=details, sent_xml=sent_xml, answer_xml=None, eshop_data=eshop_data,
               run=run, attempts=attempts)


def back_to_pending(keys: Iterable[str], reason: str) -> None:
    """Orders whose pack never left: sent again next run."""
    set_state(AGENDA, keys, "pending", error=reason)


def lost(key: str, reason: str, run: int) -> None:
    """A ``sending`` row POHODA turned out not to hold: sent again in this run."""
    save_entry(AGENDA, key, state="pending", run=run, error=reason)


def confirm(key: str, *, pohoda_id: int | None, number: str, details: dict[str, Any], run: int) -> None:
    """An order POHODA holds (found after a crash, or fetched by POHODA): ok, shop marking still to do."""
    save_entry(AGENDA, key, state="ok", pohoda_id=pohoda_id, pohoda_number=number, error="", details=details, run=run)


def release(key: str, details: dict[str, Any]) -> None:
    """An order POHODA fetched but did not import: offered again."""
    save_entry(AGENDA, key, state="pending", details=details, error="")


def flag_unmarked(key: str, *, details: dict[str, Any], warnings: list[str]) -> None:
    """The shop marking failed (or is still to do): keep the flag, the next run retries."""
    save_entry(AGENDA, key, details=details, warnings=warnings)


def clear_unmarked(key: str, details_json: str) -> None:
    """The shop order is marked: store the details without the flag (one UPDATE; safe in a worker thread)."""
    Entry.update(details=details_json, updated_at=utcnow()).where(
        (Entry.agenda == AGENDA) & (Entry.key == key)).execute()


def row(key: str) -> Entry | None:
    """The order's ledger row."""
    return get_entry(AGENDA, key)


def waiting_since(states: tuple[str, ...], before: datetime, *, first: int = 6) -> tuple[list[Entry], int]:
    """Orders in ``states`` recorded before ``before``: the oldest ``first`` of them and how many in all."""
    query = (Entry.select()
             .where((Entry.agenda == AGENDA) & Entry.state.in_(states) & (Entry.created_at <= before))
             .order_by(Entry.created_at))
    rows = list(query.limit(first))
    return rows, (query.count() if rows else 0)


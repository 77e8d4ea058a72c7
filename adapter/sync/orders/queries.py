"""What the orders pages and other rooms read and do outside a run: held SKUs, the summary, pulled orders.

The pairing report asks :func:`held_skus`; the orders page and its dashboard
card show :func:`summary`; a person acknowledges a change after transfer
(:func:`acknowledge_change`) and confirms or releases orders POHODA fetched
itself (:func:`confirm_pulled`, :func:`release_pulled`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapter import ledger
from adapter.config import Settings
from adapter.errors import AdapterError
from adapter.ledger import orders as rows
from adapter.records import PohodaOrder
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.orders.evaluate import CHANGED_WARNING
from adapter.sync.orders.send import confirm

AGENDA = rows.AGENDA


def held_skus() -> dict[str, list[str]]:
    """SKU → numbers of the held orders it blocks (most blocking first), for the pairing report."""
    blocked: dict[str, list[str]] = {}
    for entry in rows.in_states(["held"]):
        info = details_of(entry)
        number = str(info.get("number") or entry.key)
        for sku in info.get("skus") or []:
            blocked.setdefault(str(sku), []).append(number)
    return dict(sorted(blocked.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def held_reasons() -> dict[str, str]:
    """SKU → why it holds orders (the held order's own reason), so every page gives the same one."""
    reasons: dict[str, str] = {}
    for entry in rows.in_states(["held"]):
        for sku, reason in (details_of(entry).get("sku_reasons") or {}).items():
            reasons.setdefault(str(sku), str(reason))
    return reasons


@dataclass(frozen=True)
class OrdersSummary:
    """What the dashboard card and the orders page show beyond the ledger counts."""

    held: int
    top_skus: list[tuple[str, int]]
    other_held: int  #: held for another reason than an unpaired product
    changed: list[ledger.Entry]
    mark_pending: int
    pulled: list[ledger.Entry]


def pulled_orders(keys: Sequence[str] | None = None) -> list[ledger.Entry]:
    """Orders POHODA fetched itself that wait for confirmation (only ``keys`` when given)."""
    return [e for e in rows.in_states(["sending"])
            if details_of(e).get("route") == "pull" and (not keys or e.key in keys)]


def summary(top: int = 5) -> OrdersSummary:
    """Held orders and their blocking SKUs, orders changed after transfer, pulled orders awaiting confirmation."""
    held = rows.in_states(["held"])
    counts: Counter[str] = Counter()
    other = 0
    for entry in held:
        skus = details_of(entry).get("skus") or []
        counts.update(str(s) for s in skus)
        other += not skus
    changed = [e for e in rows.changed_candidates() if details_of(e).get("changed")]
    return OrdersSummary(held=len(held), top_skus=counts.most_common(top), other_held=other, changed=changed,
                         mark_pending=rows.count_unmarked(), pulled=pulled_orders())


def acknowledge_change(key: str) -> bool:
    """A person dealt with an order changed after transfer: accept the shop's current content."""
    entry = rows.row(key)
    if entry is None:
        return False
    info = details_of(entry)
    changed = info.pop("changed", None)
    if not changed:
        return False
    info["acknowledged"] = changed
    warnings = [w for w in entry.warnings_list() if not w.startswith(CHANGED_WARNING)]
    rows.accept_change(key, digest=str(changed.get("hash") or entry.payload_hash), details=info, warnings=warnings)
    return True


def confirm_pulled(settings: Settings, connections: Any, keys: Sequence[str] | None = None, *,
                   trigger: str = "button") -> tuple[int, int]:
    """„Potvrdit přenos“: orders POHODA fetched become ok and are marked in the shop; returns (confirmed, failed marks).

    Runs as a small ledger run of the orders agenda, so the history shows it.
    """
    pulled = pulled_orders(keys)
    if not pulled:
        return 0, 0
    run, created = ledger.start_run(AGENDA, trigger, options={"confirm_pulled": [e.key for e in pulled]})
    if not created:
        raise AdapterError("Synchronizace objednávek právě běží; potvrďte přenos, až doběhne.")
    ctx = JobContext(run_id=run.id, agenda=AGENDA, settings=settings, connections=connections, trigger=trigger)
    try:
        shop = ctx.eshop()
        for entry in pulled:
            number = details_of(entry).get("pohoda_number") or details_of(entry).get("number") or entry.key
            confirm(ctx, shop, entry, PohodaOrder(id=0, number=str(number)))
        ctx.message = f"Potvrzen přenos {len(pulled)} objednávek stažených POHODOU."
    finally:
        ctx.close()
        ctx.flush()
        ledger.finish_run(run.id, ctx.final_status(), ctx.message or "", done=len(pulled), total=len(pulled))
    return len(pulled), ctx.tally["marked_pending"]


def release_pulled(keys: Sequence[str]) -> int:
    """Orders POHODA fetched but did not import: back to pending, so they are offered again."""
    released = [e for e in rows.rows_for(keys).values()
                if e.state == "sending" and details_of(e).get("route") == "pull"]
    for e in released:
        info = details_of(e)
        info.pop("route", None)
        rows.release(e.key, info)
    return len(released)


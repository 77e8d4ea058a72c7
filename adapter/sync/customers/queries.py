"""What the Adresář page and the dashboard read of the customers agenda, and closing conflicts from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from adapter import ledger
from adapter.sync.customers.sides import AGENDA_CONFLICT, AGENDA_IN, AGENDA_OUT


@dataclass
class ConflictView:
    """One conflict as the Adresář page shows it."""

    key: str
    label: str
    kind: str
    eshop: dict[str, str]
    pohoda: dict[str, str]
    fields: list[str]
    decision: str
    applied: bool
    message: str
    updated_at: datetime | None
    state: str
    resolved: str = ""


@dataclass
class Overview:
    """Everything the Adresář page lists."""

    conflicts: list[ConflictView]
    resolved: list[ConflictView]
    duplicates: list[ledger.Entry]
    skipped: list[ledger.Entry]
    invalid: list[ledger.Entry]
    counts: dict[str, int]
    master: str = "pohoda"


def _conflict_view(entry: ledger.Entry) -> ConflictView:
    details = entry.details_value() or {}
    return ConflictView(
        key=entry.key, label=entry.label, kind=str(details.get("kind", "")),
        eshop=dict(details.get("eshop") or {}), pohoda=dict(details.get("pohoda") or {}),
        fields=list(details.get("fields") or []), decision=str(details.get("decision", "")),
        applied=bool(details.get("applied")), message=entry.error, updated_at=entry.updated_at,
        state=entry.state, resolved=str(details.get("resolved", "")),
    )


def summary_counts() -> dict[str, int]:
    """Counts for the dashboard card: open conflicts, duplicates, skipped records, invalid IČO/DIČ."""
    conflicts = ledger.count_entries(AGENDA_CONFLICT)
    incoming = ledger.count_entries(AGENDA_IN)
    outgoing = ledger.count_entries(AGENDA_OUT)
    return {
        "conflicts": conflicts.get("held", 0),
        "duplicates": incoming.get("held", 0),
        "skipped": incoming.get("skipped", 0),
        "invalid": outgoing.get("error", 0),
        "linked": outgoing.get("ok", 0),
    }


def overview(*, master: str = "pohoda", limit: int = 200) -> Overview:
    """The Adresář page: open conflicts (both versions), recent decisions, duplicates, skipped, invalid."""
    open_ = ledger.entries(agenda=AGENDA_CONFLICT, state="held", limit=limit)
    done = ledger.entries(agenda=AGENDA_CONFLICT, state="ok", limit=20)
    return Overview(
        conflicts=[_conflict_view(e) for e in open_],
        resolved=[_conflict_view(e) for e in done],
        duplicates=ledger.entries(agenda=AGENDA_IN, state="held", limit=limit),
        skipped=ledger.entries(agenda=AGENDA_IN, state="skipped", limit=limit),
        invalid=ledger.entries(agenda=AGENDA_OUT, state="error", limit=limit),
        counts=summary_counts(),
        master=master,
    )


def dismiss_conflicts(keys: Sequence[str]) -> int:
    """Keep the master rule's decision for these conflicts (close them without writing); returns how many."""
    count = 0
    for key, entry in ledger.entries_for(AGENDA_CONFLICT, keys).items():
        if entry.state != "held":
            continue
        details = entry.details_value() or {}
        ledger.save_entry(AGENDA_CONFLICT, key, state="ok", error="Rozhodnutí podle pravidla přednosti potvrzeno.",
                          details={**details, "resolved": "kept"})
        count += 1
    return count

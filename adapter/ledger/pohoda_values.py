"""Named queries of POHODA's lists in the ledger: formy úhrady and členění DPH as POHODA last listed them.

The mapping screens (:mod:`adapter.mappings.pohoda_values`) keep here what mServer answered to
``lst:listPaymentRequest`` and ``lst:listClassificationVATRequest``: one
:class:`~adapter.ledger.models.PohodaListRead` row (when, and the notes of a list POHODA refused) and
one :class:`~adapter.ledger.models.PohodaListValue` row per value, in POHODA's order. A read replaces
everything in one transaction, so a screen sees the old lists or the new ones, never half of each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from adapter.ledger.models import PohodaListRead, PohodaListValue, database

PAYMENT = "payment"  #: ``PohodaListValue.kind`` of a forma úhrady
CLASSIFICATION = "classification"  #: ``PohodaListValue.kind`` of a členění DPH


@dataclass(frozen=True, slots=True)
class StoredLists:
    """What the ledger holds: when POHODA listed it, its notes and the values, each kind in POHODA's order."""

    read_at: datetime
    notes: tuple[str, ...]
    payment_forms: tuple[PohodaListValue, ...]
    classifications: tuple[PohodaListValue, ...]


def has_lists() -> bool:
    """True once POHODA's lists have been kept (even empty ones)."""
    return bool(PohodaListRead.select().exists())


def lists() -> StoredLists | None:
    """The kept lists, or None when POHODA was never read (one read transaction: no half of a refresh)."""
    with database.atomic():
        head = PohodaListRead.select().order_by(PohodaListRead.id.desc()).first()
        if head is None:
            return None
        rows = list(PohodaListValue.select().order_by(PohodaListValue.kind, PohodaListValue.position))
    return StoredLists(head.read_at, tuple(head.notes_list()),
                       tuple(r for r in rows if r.kind == PAYMENT),
                       tuple(r for r in rows if r.kind == CLASSIFICATION))


def replace(read_at: datetime, values: Sequence[PohodaListValue], notes: Sequence[str]) -> None:
    """Keep a new read of the lists instead of the old one.

    ``values`` are unsaved rows with ``kind`` set; their ``position`` is their place among the rows
    of the same kind here.
    """
    positions = dict.fromkeys((PAYMENT, CLASSIFICATION), 0)
    rows = []
    for row in values:
        if row.kind not in positions:
            raise ValueError(f"unknown kind of POHODA list value: {row.kind!r}")
        row.position = positions[row.kind]
        positions[row.kind] += 1
        rows.append(row)
    with database.atomic():
        PohodaListValue.delete().execute()
        PohodaListRead.delete().execute()
        PohodaListValue.bulk_create(rows, batch_size=200)
        PohodaListRead.create(read_at=read_at, notes=json.dumps(list(notes), ensure_ascii=False))

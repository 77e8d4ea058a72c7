"""What the orders and invoices jobs share: the prepared document, the order snapshot, POHODA's answer in words.

Both jobs send one shop order as one POHODA document exactly once, so they
share :class:`Prepared` (an order mapped and built, ready to send), the
order's :func:`snapshot` and :func:`payload_hash` (what the ledger compares to
notice a change after the transfer) and the way an item's answer becomes
ledger details and a Czech error (:func:`detail_dicts`, :func:`error_text`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from adapter import ledger
from adapter.pohoda import schema
from adapter.pohoda.envelope import PackItem
from adapter.records import ItemResult, Order

if TYPE_CHECKING:
    from adapter.sync.context import JobContext


class _Mapped(Protocol):
    @property
    def warnings(self) -> tuple[str, ...]: ...


M = TypeVar("M", bound=_Mapped)


@dataclass
class Prepared(Generic[M]):
    """A shop order's document ready to send: the mapping, the built item, the payload hash, the ledger row."""

    order: Order
    mapped: M
    item: PackItem
    hash: str
    entry: ledger.Entry | None
    snap: dict[str, Any] = field(default_factory=dict)  #: :func:`snapshot` of the order (the ledger's eshop_data)
    details: dict[str, Any] = field(default_factory=dict)  #: the ledger details written with ``sending``

    @property
    def key(self) -> str:
        """The natural key (shop order id)."""
        return str(self.order.id)

    @property
    def warnings(self) -> list[str]:
        """Mapping warnings plus text-fitting warnings of the XML builder."""
        return list(dict.fromkeys([*self.mapped.warnings, *self.item.warnings]))

    @property
    def attempts(self) -> int:
        """The attempt this send is (the ledger row's attempts plus one)."""
        return (self.entry.attempts if self.entry is not None else 0) + 1


def sent_before(ctx: JobContext, entry: ledger.Entry | None, digest: str, label: str,
                flag_changed: Callable[[ledger.Entry], None]) -> bool:
    """True when POHODA already holds the document (``ok`` row): a shop change since is handed to
    ``flag_changed`` (POHODA cannot update it), else the document counts as unchanged."""
    if entry is None or entry.state != "ok":
        return False
    if entry.payload_hash and entry.payload_hash != digest:
        flag_changed(entry)
    else:
        ctx.tally["unchanged"] += 1
        ctx.skipped(entry.key, label=label)
    return True


def details_of(entry: ledger.Entry | None) -> dict[str, Any]:
    """An entry's details as a dict (never None)."""
    value = entry.details_value() if entry is not None else None
    return dict(value) if isinstance(value, dict) else {}


def to_json(value: Any) -> str:
    """A ledger column's JSON text (Czech kept readable)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def detail_dicts(result: ItemResult) -> list[dict[str, Any]]:
    """POHODA's rdc:details as JSON-ready dicts."""
    return [{"state": d.state, "errno": d.errno, "note": d.note, "xpath": d.xpath,
             "value_requested": d.value_requested, "value_produced": d.value_produced} for d in result.details]


def error_text(result: ItemResult) -> str:
    """POHODA's error for one item: the note and every error detail with errno and XPath."""
    parts = [result.note] if result.note else []
    for d in result.errors:
        bits = [d.note]
        if d.errno is not None:
            bits.append(f"errno {d.errno}")
        if d.xpath:
            bits.append(f"XPath {d.xpath}")
        if d.value_requested:
            bits.append(f"hodnota „{d.value_requested}“")
        text = " · ".join(b for b in bits if b)
        if text and text not in parts:
            parts.append(text)
    return "; ".join(parts) or "POHODA doklad odmítla bez udání důvodu."


# --------------------------------------------------------------------------- snapshot and hash


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _field_names(cls: Any) -> tuple[str, ...] | None:
    """The field names of a dataclass type (None for other types); ``fields()`` per instance is slow."""
    return tuple(f.name for f in fields(cls)) if hasattr(cls, "__dataclass_fields__") else None


def _record(value: Any) -> Any:
    """A dataclass tree as plain data (like ``asdict`` without its deep copies, which are slow)."""
    kind: Any = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [_record(v) for v in value]
    names = _field_names(kind)
    if names is not None:
        return {name: _record(getattr(value, name)) for name in names}
    if isinstance(value, list | tuple):
        return [_record(v) for v in value]
    return _plain(value)


def snapshot(order: Order) -> dict[str, Any]:
    """The whole shop order as JSON-ready data (the ledger's ``eshop_data``)."""
    return _record(order)  # type: ignore[no-any-return]


#: order fields that change without the order's content changing (our own marking, status moves)
_VOLATILE = ("status", "modified", "meta", "paid", "date_paid")


def payload_hash(order: Order) -> str:
    """sha256 of the order's content (lines, totals, addresses, note) — not of its status or meta.

    Marking the order transferred (meta, note, status) must not look like a
    change; a changed line, address or total must.
    """
    return snapshot_hash(snapshot(order))


def snapshot_hash(snap: dict[str, Any]) -> str:
    """:func:`payload_hash` of an order already turned into its :func:`snapshot` (saves a second walk)."""
    data = {k: v for k, v in snap.items() if k not in _VOLATILE}
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    digest = hashlib.sha256()
    # fed in pieces under 2 KiB: hashlib releases the GIL for bigger ones, and getting it back costs the job's
    # thread up to a switch interval (5 ms) while the reader and marking threads run — per order
    for start in range(0, len(raw), _HASH_PIECE):
        digest.update(raw[start : start + _HASH_PIECE])
    return digest.hexdigest()


_HASH_PIECE = 2047


def pack_validity(pack_xml: bytes) -> str:
    """A dry run's verdict on a whole pack, in Czech: valid, the first schema problems, or not checkable."""
    errors = schema.validate(pack_xml, "data")
    return "nelze ověřit" if errors is None else ("platné" if not errors else "; ".join(errors[:3]))


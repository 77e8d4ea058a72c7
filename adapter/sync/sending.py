"""The exactly-once send of one pack of documents, shared by credit notes, invoices, advance invoices and tax documents.

:func:`send_pack` is the whole send: the pack is built under the kind's
constant pack id (``STW-Check-Duplicity`` in the header, deterministic item
ids), every document of it is committed ``sending`` in one transaction
before the POST (with the exact XML it travels as), the request is counted,
and POHODA's answer to each item is recorded in one transaction: produced or
a duplicity (the earlier record of a repeat: counted as success) → ``ok``,
else ``error`` with POHODA's words. A pack POHODA refuses as a whole marks its
documents ``error``; a pack for another company (``IcoMismatch``) puts them
back to ``pending``. In a dry run the pack is only validated against the XSD
and each document becomes a preview row.

:func:`settle_sending` finishes the rows a crash left ``sending`` once the
kind has looked them up in POHODA: found → ``ok``, else ``pending`` (sent
again; POHODA's duplicity check answers a repeat).

A kind of document (:class:`Kind`) says only what is its own: its ledger
agenda, pack id, label, the columns of its ``sending`` row and its messages.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from adapter import ledger
from adapter.errors import IcoMismatch, PackError
from adapter.pohoda.answers import read_items
from adapter.pohoda.envelope import PackItem, build_pack
from adapter.records import ItemResult, PohodaInvoice
from adapter.sync.context import JobContext
from adapter.sync.documents import detail_dicts, error_text, pack_validity


class Rows(Protocol):
    """The ledger module of an agenda (:mod:`adapter.ledger.invoices`, :mod:`adapter.ledger.refunds`)."""

    AGENDA: str

    def begin_sending(self, rows: Iterable[dict[str, Any]]) -> None: ...

    def answered(self, key: str, **values: Any) -> None: ...

    def transaction(self) -> Any: ...

    def lost(self, key: str, reason: str, run: int) -> None: ...

    def confirm(self, key: str, *, pohoda_id: int | None, number: str, run: int) -> None: ...


class Document(Protocol):
    """A document ready to send: its ledger key, its pack item, its ledger row and its mapping warnings."""

    @property
    def key(self) -> str: ...

    @property
    def item(self) -> PackItem: ...

    @property
    def entry(self) -> ledger.Entry | None: ...

    @property
    def warnings(self) -> list[str]: ...


D = TypeVar("D", bound=Document)


class Kind(ABC, Generic[D]):
    """What one kind of document does its own way; :func:`send_pack` does the rest."""

    rows: Rows  #: the agenda's ledger module
    pack_id: str  #: the constant pack id (POHODA's duplicity check works within it)
    preview_title: str = "Náhled dokladu"  #: the dry run's event: "<title>: XML <verdict>"
    progress: bool = True  #: each answered document counts one step of the run's progress
    warning_events: bool = False  #: a document accepted with warnings also gets a warning event

    @abstractmethod
    def label(self, doc: D) -> str:
        """The ledger label."""

    @abstractmethod
    def columns(self, ctx: JobContext, doc: D) -> dict[str, Any]:
        """The kind's own columns of the ``sending`` row: ``shop_id`` and ``details``, maybe hash and snapshot."""

    @abstractmethod
    def done(self, doc: D, number: str) -> str:
        """The run's message for a document POHODA holds as ``number``."""

    def preview(self, doc: D, valid: str, xml: str) -> dict[str, str]:
        """The dry run's preview row (``valid``: the pack's XSD verdict, ``xml``: the document as it would travel)."""
        return {"stav": "k vystavení", "XML": valid, "xml": xml}


def send_pack(ctx: JobContext, kind: Kind[D], batch: Sequence[D]) -> list[D]:
    """Send ``batch`` as one pack exactly once (see the module docstring); returns the documents POHODA now holds."""
    pack = build_pack([d.item for d in batch], ico=ctx.settings.pohoda.ico, pack_id=kind.pack_id,
                      application=ctx.settings.pohoda.application)
    singles = pack.single_texts()
    sent = {d.key: singles.get(d.item.id) or single_xml(ctx, kind, d.item) for d in batch}
    if ctx.dry_run:
        valid = pack_validity(pack.xml)
        for d in batch:
            ctx.event(d.key, "preview", f"{kind.preview_title}: XML {valid}", label=kind.label(d))
            ctx.preview_rows.append(kind.preview(d, valid, sent[d.key]))
            ctx.skipped(d.key)
            ctx.advance()
        return []
    rows = [{**kind.columns(ctx, d), "key": d.key, "label": kind.label(d), "pack_id": pack.pack_id,
             "item_id": d.item.id, "error": "", "warnings": d.warnings, "sent_xml": sent[d.key], "answer_xml": None,
             "attempts": (d.entry.attempts if d.entry is not None else 0) + 1, "run": ctx.run_id} for d in batch]
    kind.rows.begin_sending(rows)
    details: dict[str, dict[str, Any]] = {row["key"]: row["details"] for row in rows}
    ctx.count_request("pohoda")
    try:
        by_id, answers = read_items(ctx.pohoda().post(pack.xml, write=True))
    except PackError as exc:
        for d in batch:
            record(ctx, kind, d, details[d.key], None, None,
                   refused=f"POHODA odmítla celou dávku: {exc.note or exc.message}")
        return []
    except IcoMismatch:
        ledger.set_state(kind.rows.AGENDA, [d.key for d in batch], "pending", error="")
        raise
    accepted: list[D] = []
    with kind.rows.transaction():
        for d in batch:
            res = by_id.get(d.item.id)
            if res is not None and record(ctx, kind, d, details[d.key], res, answers.get(d.item.id)):
                accepted.append(d)
            if kind.progress:
                ctx.advance()
    return accepted


def send_batches(ctx: JobContext, kind: Kind[D], docs: Sequence[D], size: int) -> list[D]:
    """:func:`send_pack` for ``docs`` in packs of ``size``, the run's cancel checked before each."""
    accepted: list[D] = []
    size = max(1, size)
    for start in range(0, len(docs), size):
        ctx.check_cancel()
        accepted += send_pack(ctx, kind, docs[start : start + size])
    return accepted


def single_xml(ctx: JobContext, kind: Kind[Any], item: PackItem) -> str:
    """One document's dataPack as it travels, as text (built on its own when the pack's pieces do not add up)."""
    return build_pack([item], ico=ctx.settings.pohoda.ico, pack_id=kind.pack_id,
                      application=ctx.settings.pohoda.application).xml.decode("cp1250")


def record(ctx: JobContext, kind: Kind[D], doc: D, details: dict[str, Any], res: ItemResult | None,
           answer: str | None, *, refused: str = "") -> bool:
    """Record one document's outcome (``details``: those of its ``sending`` row); True when POHODA holds it."""
    label = kind.label(doc)
    info = {**details, "details": detail_dicts(res) if res is not None else []}
    if res is not None and (res.is_duplicate or res.state != "error"):
        hit = res.duplicities[0] if res.is_duplicate else res.produced
        if res.is_duplicate:
            ctx.tally["duplicate"] += 1
        number = hit.number if hit is not None else ""
        warnings = doc.warnings + [d.note for d in res.warnings if d.note]
        kind.rows.answered(doc.key, state="ok", pohoda_id=hit.id if hit is not None else None, pohoda_number=number,
                           error="", warnings=warnings, details=info, answer_xml=answer, run=ctx.run_id)
        ctx.ok(doc.key, kind.done(doc, number), label=label)
        if warnings and kind.warning_events:
            ctx.event(doc.key, "warning", "; ".join(warnings), label=label)
        return True
    message = refused or (error_text(res) if res is not None else "POHODA neodpověděla.")
    kind.rows.answered(doc.key, state="error", error=message, details=info, answer_xml=answer, run=ctx.run_id)
    ctx.error(doc.key, message, label=label)
    return False


def settle_sending(ctx: JobContext, rows: Rows, sending: Sequence[ledger.Entry], found: Mapping[str, PohodaInvoice],
                   *, lost: str, done: Callable[[str], str]) -> list[str]:
    """Rows a crash left ``sending``: ``found`` in POHODA → ``ok`` (``done(number)`` the message), else ``pending``
    with the reason ``lost``. Returns the keys found."""
    confirmed = []
    for entry in sending:
        hit = found.get(entry.key)
        if hit is None:
            rows.lost(entry.key, lost, ctx.run_id)
            continue
        rows.confirm(entry.key, pohoda_id=hit.id or None, number=hit.number, run=ctx.run_id)
        ctx.tally["reconciled"] += 1
        ctx.ok(entry.key, done(hit.number), label=entry.label)
        confirmed.append(entry.key)
    return confirmed

"""The shared exactly-once send of documents (adapter.sync.sending) against the mServer emulator.

A kind of its own over the invoices agenda sends plain issued invoices; the
client is the real one, watched so that a test sees the ledger as it stood at
the POST, or made to fail the way POHODA refuses a pack or another company
answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.errors import IcoMismatch, PackError
from adapter.ledger import invoices as invoice_rows
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import PackItem
from adapter.pohoda.invoices import invoice_item
from adapter.records import Address, DocLine, InvoiceDoc, PohodaInvoice
from adapter.sync.context import JobContext
from adapter.sync.sending import Kind, send_batches, send_pack, settle_sending

ICO = "12345678"


@dataclass
class Doc:
    """A plain issued invoice as a document to send."""

    key: str
    item: PackItem
    entry: ledger.Entry | None = None
    warnings: list[str] = field(default_factory=list)


class Plain(Kind[Doc]):
    rows = invoice_rows
    pack_id = "test-faktury"
    preview_title = "Náhled zkoušky"
    warning_events = True

    def label(self, doc: Doc) -> str:
        return f"Zkouška {doc.key}"

    def columns(self, ctx: JobContext, doc: Doc) -> dict[str, Any]:
        return {"shop_id": doc.key, "details": {"number": doc.key}}

    def done(self, doc: Doc, number: str) -> str:
        return f"Faktura {number}"


class Watched:
    """The real client; notes the documents' ledger states at each POST, or fails there instead."""

    def __init__(self, real: MServerClient, fail: Exception | None = None) -> None:
        self.real, self.fail = real, fail
        self.at_post: list[dict[str, str]] = []

    def post(self, xml: bytes, *, write: bool = False) -> bytes:
        self.at_post.append({e.key: e.state for e in ledger.entries(agenda="invoices")})
        if self.fail is not None:
            raise self.fail
        return self.real.post(xml, write=write)

    def close(self) -> None:
        self.real.close()


@pytest.fixture(name="ms")
def ms_fixture(tmp_path: Path, mserver_factory: Callable[..., MServerEmulator]) -> Iterator[MServerEmulator]:
    ms = mserver_factory()
    ledger.init_db(tmp_path / "ledger.db")
    yield ms
    ledger.database.close()


def context(ms: MServerEmulator, *, fail: Exception | None = None, dry_run: bool = False) -> JobContext:
    settings = Settings(data_dir=Path("unused"), pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo",
                                                                        ico=ICO))
    run, _new = ledger.start_run("invoices", "cli", dry_run=dry_run, pid=os.getpid())
    client = Watched(MServerClient(ms.url, "admin", "heslo", ICO, retries=0), fail)
    return JobContext(run_id=run.id, agenda="invoices", settings=settings, connections=None,  # type: ignore[arg-type]
                      dry_run=dry_run, _pohoda=client)


def row(key: str) -> ledger.Entry:
    entry = ledger.get_entry("invoices", key)
    assert entry is not None, key
    return entry


def docs(*keys: str) -> list[Doc]:
    out = []
    for key in keys:
        doc = InvoiceDoc(key=key, date=date(2026, 3, 4), partner=Address(name="Jana Nováková"), number_order=key,
                         lines=(DocLine(text="Zboží z e-shopu", quantity=Decimal(1), unit_price=Decimal("121")),))
        out.append(Doc(key=key, item=invoice_item(doc)))
    return out


def test_rows_are_sending_at_the_post_and_a_repeat_is_the_earlier_record(ms: MServerEmulator) -> None:
    ctx = context(ms)
    held = send_pack(ctx, Plain(), docs("1", "2"))
    assert [d.key for d in held] == ["1", "2"]
    assert ctx._pohoda.at_post == [{"1": "sending", "2": "sending"}]  # committed before the POST
    first = {k: row(k) for k in ("1", "2")}
    assert all(e.state == "ok" and e.pohoda_number and e.pack_id == "test-faktury" for e in first.values())
    assert first["1"].sent_xml and "<inv:numberOrder>1</inv:numberOrder>" in first["1"].sent_xml
    assert first["1"].details_value()["number"] == "1" and first["1"].attempts == 1
    assert ctx.counts["ok"] == 2 and ctx.requests["pohoda"] == 1 and ctx.done == 2

    again = context(ms)  # the same pack id and item ids: POHODA answers with the earlier invoices
    entries = [Doc(key=d.key, item=d.item, entry=first[d.key]) for d in docs("1", "2")]
    assert len(send_batches(again, Plain(), entries, 1)) == 2
    assert again.tally["duplicate"] == 2 and again.requests["pohoda"] == 2
    assert len(ms.issued_invoices()) == 2
    for key, entry in first.items():
        now = row(key)
        assert now.pohoda_number == entry.pohoda_number and now.attempts == 2


def test_a_refused_pack_marks_every_document_error_in_czech(ms: MServerEmulator) -> None:
    ctx = context(ms, fail=PackError("Účetní období je uzavřené"))
    assert send_pack(ctx, Plain(), docs("1", "2")) == []
    for key in ("1", "2"):
        entry = row(key)
        assert entry.state == "error"
        assert entry.error == "POHODA odmítla celou dávku: Účetní období je uzavřené"
        assert entry.details_value() == {"number": key, "details": []}
    assert ctx.counts["error"] == 2 and ms.issued_invoices() == []


def test_another_company_puts_the_documents_back_to_pending(ms: MServerEmulator) -> None:
    ctx = context(ms, fail=IcoMismatch(ICO, "87654321"))
    with pytest.raises(IcoMismatch):
        send_pack(ctx, Plain(), docs("1"))
    entry = row("1")
    assert entry.state == "pending" and entry.error == ""


def test_a_dry_run_validates_and_previews_without_a_ledger_row(ms: MServerEmulator) -> None:
    ctx = context(ms, dry_run=True)
    assert send_pack(ctx, Plain(), docs("1")) == []
    assert ctx._pohoda.at_post == [] and ledger.entries(agenda="invoices") == []
    (row,) = ctx.preview_rows
    assert row["XML"] == "platné" and "<inv:numberOrder>1</inv:numberOrder>" in row["xml"]
    ctx.flush()
    (event,) = ledger.run_events(ctx.run_id, state="preview")
    assert event.message == "Náhled zkoušky: XML platné"


def test_mapping_warnings_are_kept_and_told(ms: MServerEmulator) -> None:
    ctx = context(ms)
    (doc,) = docs("1")
    doc.warnings = ["Text zkrácen na 90 znaků."]
    send_pack(ctx, Plain(), [doc])
    assert row("1").warnings_list() == ["Text zkrácen na 90 znaků."]
    ctx.flush()
    assert [e.message for e in ledger.run_events(ctx.run_id, state="warning")] == ["Text zkrácen na 90 znaků."]


def test_settle_sending_confirms_what_pohoda_holds_and_resends_the_rest(ms: MServerEmulator) -> None:
    ctx = context(ms)
    for key in ("1", "2"):
        ledger.save_entry("invoices", key, state="sending", label=f"Zkouška {key}")
    found = {"1": PohodaInvoice(id=7, number="26FV0007")}
    sending = invoice_rows.in_states(["sending"])
    assert settle_sending(ctx, invoice_rows, sending, found, lost="Nemá ji.", done=lambda n: f"Nalezena {n}.") == ["1"]
    one, two = row("1"), row("2")
    assert (one.state, one.pohoda_id, one.pohoda_number) == ("ok", 7, "26FV0007")
    assert (two.state, two.error) == ("pending", "Nemá ji.")
    assert ctx.tally["reconciled"] == 1 and ctx.counts["ok"] == 1

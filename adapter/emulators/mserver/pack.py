"""dataPack → responsePack processing of the mServer emulator.

Order of checks, as PROTOCOL §2 describes POHODA: the envelope first
(well-formedness, ``data.xsd`` when the schema folder is present, the
``ico``), then every ``dataPackItem`` on its own, each atomic on its own (a
savepoint inside one transaction per pack, so an item's error undoes only
that item). Pack-level refusals answer ``state="error"`` with an empty
``id`` and the reason in ``note``; item results are ``ok``/``error`` only
(the schema allows nothing else there), warnings live in ``rdc:detail``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from adapter.emulators.mserver.common import ItemContext, ItemError, Produced
from adapter.emulators.mserver.credit_notes import import_invoice_or_credit_note, import_order_or_delete
from adapter.emulators.mserver.db import MServerStore
from adapter.emulators.mserver.fulfilment import PRINT_TAG, print_answer
from adapter.emulators.mserver.imports import (
    import_address,
    import_receipt,
    import_stock,
)
from adapter.emulators.mserver.lists import (
    error_list,
    list_addresses,
    list_invoices,
    list_orders,
    list_stock,
    list_tag_for,
)
from adapter.emulators.mserver.stores import list_stores
from adapter.emulators.mserver.tax_documents import import_tax_document
from adapter.emulators.mserver.values_lists import list_classifications, list_payments
from adapter.emulators.mserver.xml_io import (
    ITEM_CLOSE,
    PACK_CLOSE,
    XML_DECLARATION,
    BodyWriter,
    detail,
    document_response,
    item_open,
    nd,
    pack_open,
    prettify_message,
    q,
    tx,
)
from adapter.pohoda import schema as pohoda_schema

log = logging.getLogger(__name__)

ImportHandler = Callable[[ItemContext, etree._Element], "Produced | None"]
ListHandler = Callable[[ItemContext, etree._Element], Iterator[str]]

#: agenda element → (handler, response element, duplicity agenda name of ftr:printAgendaType)
IMPORTS: dict[str, tuple[ImportHandler, str, str]] = {
    q("stk:stock"): (import_stock, "stk:stockItemResponse", "zasoby"),
    q("ord:order"): (import_order_or_delete, "ord:orderResponse", "prijate_objednavky"),
    q("inv:invoice"): (import_invoice_or_credit_note, "inv:invoiceResponse", "vydane_faktury"),
    q("adb:addressbook"): (import_address, "adb:addressbookResponse", "adresar"),
    q("pri:prijemka"): (import_receipt, "pri:prijemkaResponse", "prijemky"),
    q("int:intDoc"): (import_tax_document, "int:intDocResponse", "interni_doklady"),
}
LISTS: dict[str, ListHandler] = {
    q("lStk:listStockRequest"): list_stock,
    q("lst:listOrderRequest"): list_orders,
    q("lst:listInvoiceRequest"): list_invoices,
    q("lAdb:listAddressBookRequest"): list_addresses,
    q("lst:listPaymentRequest"): list_payments,
    q("lst:listClassificationVATRequest"): list_classifications,
    q("lst:listStoreRequest"): list_stores,
}


@dataclass
class PackOptions:
    """Per-request switches: the duplicity header and the faults that change the answer (latency is the caller's)."""

    check_duplicity: bool = False
    pack_error: str = ""
    item_error_rate: float = 0.0


@dataclass
class PackOutcome:
    """What happened, for the statistics."""

    state: str = "ok"
    items: int = 0
    item_errors: int = 0


class PackProcessor:
    """Turns one request body into one responsePack written to a :class:`BodyWriter`."""

    def __init__(self, store: MServerStore, *, ico: str, key: str, program_version: str,
                 xsd_dir: Path | None, rng: random.Random) -> None:
        self.store = store
        self.ico = ico
        self.key = key
        self.program_version = program_version
        self.xsd_dir = xsd_dir
        self.rng = rng

    # ------------------------------------------------------------------ envelope

    def process(self, body: bytes, out: BodyWriter, options: PackOptions) -> PackOutcome:
        """Process a request body; everything goes to ``out`` (declaration included)."""
        out.write(XML_DECLARATION)
        try:
            root = etree.fromstring(body, pohoda_schema.safe_parser())
        except etree.XMLSyntaxError as exc:
            return self.pack_error(out, f"XML není dobře utvořené (not well-formed): {exc}")
        refusal = self.envelope_refusal(body, root, options)
        if refusal:
            return self.pack_error(out, refusal)
        out.write(pack_open(pack_id=root.get("id", ""), state="ok", note=root.get("note", ""), ico=self.ico,
                            key=self.key, program_version=self.program_version))
        outcome = PackOutcome()
        with self.store.batch():  # one commit per pack; every import item is its own savepoint
            for item in root.iterfind(q("dat:dataPackItem")):
                outcome.items += 1
                if not self.process_item(root, item, out, options):
                    outcome.item_errors += 1
        out.write(PACK_CLOSE)
        return outcome

    def envelope_refusal(self, body: bytes, root: etree._Element, options: PackOptions) -> str:
        """The note of a pack-level refusal, or "" when the envelope is acceptable."""
        if self.xsd_dir is not None:
            errors = pohoda_schema.validate(body, "data", self.xsd_dir) or []
            if errors:
                return "Chyba validace XML podle schématu (schema validation failed): " + prettify_message(errors[0])
        elif root.tag != q("dat:dataPack"):
            return f"Kořenový element musí být dat:dataPack, ne {root.tag}."
        if options.pack_error:
            return options.pack_error
        ico, key = root.get("ico", ""), root.get("key", "")
        if ico:
            if ico != self.ico:
                return f"Tento balíček není určen pro tuto jednotku (IČO {ico}); otevřená účetní jednotka má IČO {self.ico}."
        elif key != self.key:
            return "Balíček neobsahuje IČO ani klíč otevřené účetní jednotky (atribut ico nebo key)."
        return ""

    def pack_error(self, out: BodyWriter, note: str) -> PackOutcome:
        """A pack-level refusal: state error, empty id, the reason in note, no items."""
        out.write(pack_open(pack_id="", state="error", note=note, ico=self.ico, key=self.key,
                            program_version=self.program_version))
        out.write(PACK_CLOSE)
        return PackOutcome(state="error")

    # ------------------------------------------------------------------ items

    def process_item(self, root: etree._Element, item: etree._Element, out: BodyWriter,
                     options: PackOptions) -> bool:
        """Process one dataPackItem; returns False when it ended in error."""
        item_id = item.get("id", "")
        agenda = next((c for c in item if isinstance(c.tag, str)), None)
        if agenda is None:
            out.write(item_open(item_id, "error", "Položka dataPackItem je prázdná.") + ITEM_CLOSE)
            return False
        if options.item_error_rate and self.rng.random() < options.item_error_rate:
            out.write(item_open(item_id, "error", "Simulovaná chyba položky (emulátor, item_error_rate).") + ITEM_CLOSE)
            return False
        if agenda.tag in IMPORTS:
            return self.import_item(root.get("id", ""), item_id, agenda, out, options)
        if agenda.tag in LISTS:
            return self.list_item(item_id, agenda, out)
        if agenda.tag == PRINT_TAG:
            ok, answer = print_answer(self.store, item_id, agenda)
            out.write(answer)
            return ok
        local = etree.QName(agenda).localname
        note = f"Neznámá žádost '{local}', zpracování nemohlo být provedeno (emulátor tuto agendu nepodporuje)."
        out.write(item_open(item_id, "error", note) + ITEM_CLOSE)
        return False

    def import_item(self, pack_id: str, item_id: str, agenda: etree._Element, out: BodyWriter,
                    options: PackOptions) -> bool:
        """An import item, with the batch duplicity check when the header asked for it."""
        handler, response_tag, dup_agenda = IMPORTS[agenda.tag]
        if options.check_duplicity:
            earlier = self.store.one("SELECT * FROM duplicity WHERE pack_id = ? AND item_id = ?", (pack_id, item_id))
            if earlier is not None:
                out.write(duplicity_item(item_id, earlier))
                return False
        ctx = ItemContext(self.store, datetime.now())
        try:
            with self.store.transaction():
                produced = handler(ctx, agenda)
                if produced is not None and options.check_duplicity:
                    self.remember(pack_id, item_id, dup_agenda, produced, ctx)
        except ItemError as exc:
            errors = [detail("error", exc.note, xpath=exc.xpath, requested=exc.requested)]
            out.write(item_open(item_id, "error", exc.note)
                      + document_response(response_tag, "error", [*warning_details(ctx), *errors]) + ITEM_CLOSE)
            return False
        except Exception as exc:  # a bug in the emulator must not kill the whole pack
            log.exception("mServer emulator: item %s failed", item_id)
            note = f"Interní chyba emulátoru: {exc}"
            out.write(item_open(item_id, "error", note)
                      + document_response(response_tag, "error", [detail("error", note)]) + ITEM_CLOSE)
            return False
        out.write(item_open(item_id, "ok") + ok_response(response_tag, produced, ctx) + ITEM_CLOSE)
        return True

    def remember(self, pack_id: str, item_id: str, agenda: str, produced: Produced, ctx: ItemContext) -> None:
        """Store (pack id, item id) → produced record for ``STW-Check-Duplicity``."""
        self.store.insert("duplicity", pack_id=pack_id, item_id=item_id, agenda=agenda, record_id=produced.record_id,
                          number=(produced.number or produced.code)[:32], created=ctx.now.date().isoformat())

    def list_item(self, item_id: str, agenda: etree._Element, out: BodyWriter) -> bool:
        """A list (export) item, streamed."""
        ctx = ItemContext(self.store, datetime.now().replace(microsecond=0))
        try:
            chunks = LISTS[agenda.tag](ctx, agenda)
        except ItemError as exc:
            out.write(item_open(item_id, "error", exc.note) + error_list(list_tag_for(agenda), ctx, exc.note) + ITEM_CLOSE)
            return False
        out.write(item_open(item_id, "ok"))
        out.write_all(chunks)
        out.write(ITEM_CLOSE)
        return True


def warning_details(ctx: ItemContext) -> list[str]:
    """The collected warnings as ``rdc:detail`` elements."""
    return [detail("warning", w.note, xpath=w.xpath, requested=w.requested, produced=w.produced) for w in ctx.warnings]


def ok_response(tag: str, produced: Produced | None, ctx: ItemContext) -> str:
    """The agenda response of a successful (or intentionally skipped) import."""
    if produced is None:
        return document_response(tag, "ok", warning_details(ctx))
    return document_response(tag, "ok", warning_details(ctx), record_id=produced.record_id, number=produced.number,
                             code=produced.code, action=produced.action)


def duplicity_item(item_id: str, earlier: Any) -> str:
    """An item already imported under the same (pack id, item id): ``rsp:errorDetail/rsp:recordDuplicity``."""
    note = "Doklad byl již dříve importován (kontrola duplicity dávek); znovu nebyl importován."
    record = nd(
        "rsp:recordDuplicity",
        tx("rsp:agendaType", earlier["agenda"]),
        tx("rsp:dateCreate", earlier["created"]),
        tx("rsp:id", earlier["record_id"]),
        tx("rsp:number", earlier["number"]),
    )
    return item_open(item_id, "error", note) + nd("rsp:errorDetail", record, keep_empty=True) + ITEM_CLOSE

"""What happens to a received order after it arrives, in the mServer emulator; and printing to PDF.

- tests (and the demo) set an order executed or delivered, a carrier, the text of a header field
  or a user field (``param:NAME``) holding the tracking number, and create the invoice of an order
  as POHODA's "Přenos do faktury" does (the invoice is linked; the order becomes executed);
- ``prn:print`` of an issued invoice answers with a real PDF (made with ``fpdf2``) in
  ``rdc:printDetails/rdc:attachments/rdc:attachment/rdc:data`` (Base64), or the item-error shape
  for a report id the company does not have (PROTOCOL §2.2; the note's wording is ours).

The request itself is validated against ``data.xsd`` → ``print.xsd`` by the pack processor, as
every request is.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from datetime import datetime
from typing import Any

from fpdf import FPDF
from lxml import etree

from adapter.emulators.mserver.common import ItemContext, ItemError, dec
from adapter.emulators.mserver.db import MServerStore
from adapter.emulators.mserver.imports import import_invoice
from adapter.emulators.mserver.xml_io import ITEM_CLOSE, NS, detail, item_open, nd, tx

PRN = "http://www.stormware.cz/schema/version_2/print.xsd"
PRINT_TAG = f"{{{PRN}}}print"
#: print reports (sestavy) of the emulated company: agenda → report id → name
REPORTS: dict[str, dict[int, str]] = {
    "vydane_faktury": {1: "Faktura", 2: "Faktura s QR kódem"},
    "prijate_objednavky": {3: "Objednávka přijatá"},
}
HEADER_FIELDS = {"note": "note", "intNote": "int_note", "text": "text"}


# --------------------------------------------------------------------------- order state (admin)


def _order(store: MServerStore, number: str) -> Any:
    row = store.one("SELECT * FROM received_order WHERE number = ? OR number_order = ? ORDER BY number = ? DESC",
                    (number, number, number))
    if row is None:
        raise KeyError(f"Přijatá objednávka {number} neexistuje.")
    return row


def order_extra(store: MServerStore, order_id: int) -> dict[str, Any]:
    """The delivered flag, carrier and user fields of an order (defaults when never set)."""
    row = store.one("SELECT * FROM order_extra WHERE order_id = ?", (order_id,))
    if row is None:
        return {"is_delivered": False, "carrier": "", "params": {}}
    return {"is_delivered": bool(row["is_delivered"]), "carrier": row["carrier"], "params": json.loads(row["params"])}


def set_order_state(store: MServerStore, number: str, *, executed: bool | None = None,
                    delivered: bool | None = None, carrier: str | None = None,
                    fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Change what a person changes in POHODA's Objednávky přijaté; bumps lastChanges (``changed``)."""
    with store.transaction():
        row = _order(store, number)
        extra = order_extra(store, row["id"])
        columns: dict[str, Any] = {"changed": store.stamp()}
        if executed is not None:
            columns["is_executed"] = int(executed)
        for name, value in (fields or {}).items():
            if name in HEADER_FIELDS:
                columns[HEADER_FIELDS[name]] = value
            elif name.startswith("param:"):
                extra["params"][name[len("param:"):]] = value
            else:
                raise ValueError(f"Neznámé pole objednávky {name}.")
        if delivered is not None:
            extra["is_delivered"] = delivered
        if carrier is not None:
            extra["carrier"] = carrier
        store.update("received_order", row["id"], **columns)
        store.conn.execute(
            "INSERT INTO order_extra (order_id, is_delivered, carrier, params) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(order_id) DO UPDATE SET is_delivered = excluded.is_delivered, carrier = excluded.carrier, "
            "params = excluded.params",
            (row["id"], int(extra["is_delivered"]), extra["carrier"], json.dumps(extra["params"], ensure_ascii=False)))
    return {"id": row["id"], "number": row["number"], **extra}


def invoice_order(store: MServerStore, number: str) -> dict[str, Any]:
    """Create the issued invoice of a received order (linked, like POHODA's transfer); returns id and number."""
    row = _order(store, number)
    ns = {"inv": NS["inv"], "typ": NS["typ"]}
    invoice = etree.Element(f"{{{ns['inv']}}}invoice", nsmap=ns)
    links = etree.SubElement(invoice, f"{{{ns['inv']}}}links")
    link = etree.SubElement(links, f"{{{ns['typ']}}}link")
    etree.SubElement(link, f"{{{ns['typ']}}}sourceAgenda").text = "receivedOrder"
    source = etree.SubElement(link, f"{{{ns['typ']}}}sourceDocument")
    etree.SubElement(source, f"{{{ns['typ']}}}id").text = str(row["id"])
    header = etree.SubElement(invoice, f"{{{ns['inv']}}}invoiceHeader")
    etree.SubElement(header, f"{{{ns['inv']}}}invoiceType").text = "issuedInvoice"
    if row["number_order"]:
        etree.SubElement(header, f"{{{ns['inv']}}}numberOrder").text = row["number_order"]
    ctx = ItemContext(store, datetime.now())
    with store.transaction():
        produced = import_invoice(ctx, invoice)
    return {"id": produced.record_id, "number": produced.number, "order": row["number"]}


def order_state_xml(store: MServerStore, row: Any) -> tuple[str, str, str]:
    """(``ord:isDelivered``, ``ord:carrier``, ``ord:parameters``) of one order for its list answer."""
    extra = order_extra(store, row["id"])
    params = nd("ord:parameters", *(
        nd("typ:parameter", tx("typ:name", name), tx("typ:textValue", value))
        for name, value in sorted(extra["params"].items()) if value
    ))
    carrier = nd("ord:carrier", tx("typ:ids", extra["carrier"]))
    return tx("ord:isDelivered", extra["is_delivered"]), carrier, params


# --------------------------------------------------------------------------- printing


def _latin(value: str) -> str:
    """Text the PDF core fonts can show (Czech letters outside Latin-1 lose their accents)."""
    out = []
    for ch in value:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?")
    return "".join(out)


def invoice_pdf(store: MServerStore, invoice: Any, report: str) -> bytes:
    """A one-page PDF of an issued invoice: number, date, partner, lines and total."""
    pdf = FPDF()
    pdf.set_title(_latin(f"{report} {invoice['number']}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Faktura - danovy doklad c. {invoice['number']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    partner = json.loads(invoice["partner"] or "{}")
    for text in (f"Datum: {invoice['date']}", f"Objednavka: {invoice['number_order']}",
                 f"Odberatel: {partner.get('company') or partner.get('name', '')}", f"Sestava: {report}"):
        pdf.cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")
    for item in store.query("SELECT * FROM doc_item WHERE agenda = 'invoice' AND doc_id = ? ORDER BY pos",
                            (invoice["id"],)):
        pdf.cell(0, 6, _latin(f"{item['text']}  {item['quantity']} x {item['unit_price']}"),
                 new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 9, _latin(f"Celkem: {dec(invoice['total'])} Kc"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _print_target(store: MServerStore, el: etree._Element) -> tuple[Any, int, str]:
    record = el.find(f"{{{PRN}}}record")
    agenda = record.get("agenda", "") if record is not None else ""
    report_el = el.find(f"{{{PRN}}}printerSettings/{{{PRN}}}report/{{{PRN}}}id")
    report_id = int(report_el.text or 0) if report_el is not None else 0
    reports = REPORTS.get(agenda, {})
    if report_id not in reports:
        raise ItemError(f"Tisková sestava s ID {report_id} v agendě {agenda} neexistuje.", report_el)
    if agenda != "vydane_faktury":
        raise ItemError(f"Tisk agendy {agenda} do PDF emulátor nepodporuje.", record)
    record_id = record.findtext(f"{{{NS['ftr']}}}filter/{{{NS['ftr']}}}id") if record is not None else None
    row = store.one("SELECT * FROM issued_invoice WHERE id = ?", (int(record_id or 0),))
    if row is None:
        raise ItemError(f"Doklad s ID {record_id} v agendě {agenda} neexistuje.", record)
    return row, report_id, reports[report_id]


def print_answer(store: MServerStore, item_id: str, el: etree._Element) -> tuple[bool, str]:
    """(ok, the ``rsp:responsePackItem`` XML) for one ``prn:print`` item."""
    attrs = {"version": "2.0", "xmlns:prn": PRN}
    try:
        row, report_id, report = _print_target(store, el)
    except ItemError as exc:
        answer = nd("prn:printResponse", nd("rdc:importDetails", detail("error", exc.note)),
                    attrs={**attrs, "state": "error"})
        return False, item_open(item_id, "error", exc.note) + answer + ITEM_CLOSE
    wants_data = el.find(f".//{{{PRN}}}binaryData/{{{PRN}}}responseXml") is not None
    data = ""
    if wants_data:
        pdf = invoice_pdf(store, row, report)
        data = tx("rdc:data", base64.b64encode(pdf).decode("ascii"),
                  {"fileName": f"{row['number']}.pdf", "code": "base64"})
    attachment = nd("rdc:attachment", tx("rdc:idReport", report_id), data)
    answer = nd("prn:printResponse", nd("rdc:printDetails", nd("rdc:attachments", attachment)),
                attrs={**attrs, "state": "ok"}, keep_empty=True)
    return True, item_open(item_id, "ok") + answer + ITEM_CLOSE

"""Printing a POHODA document to PDF over XML (``prn:print``) and reading the PDF out of the answer.

What is verified and what is our reading (claim — confidence):

- The request shape ``prn:print version="1.0"`` → ``prn:record agenda="vydane_faktury"`` with
  ``ftr:filter/ftr:id`` → ``prn:printerSettings/prn:report/prn:id`` and ``prn:pdf/prn:fileName`` is
  the XSD (``print.xsd``, ``filter.xsd`` recordPrintType, printAgendaType) — verified, the builder's
  output is validated against ``data.xsd`` in the tests.
- ``prn:pdf/prn:binaryData/prn:responseXml = true`` asks POHODA to return the file in the answer
  (the XSD's documentation: "Ve výstupním souboru bude uložen vytvořený soubor ve formátu Base64") —
  documented; ``removeFile`` deletes the copy POHODA writes on its own disk — documented.
- The answer is ``prn:printResponse`` (``rdc:documentResponseType``) whose
  ``rdc:printDetails/rdc:attachments/rdc:attachment/rdc:data`` holds the Base64 PDF — the XSD
  (``documentresponse.xsd``); no real captured answer seen — best reading, high confidence.
- An unknown report id: item ``state="error"`` with a note and an ``rdc:detail`` — the general
  item-error shape of PROTOCOL §2.2; the exact wording of POHODA's note is unknown — medium confidence.
- ``fileName`` is required by the XSD even when only the Base64 copy is wanted; POHODA writes the
  file on the POHODA machine. The folder is a setting of the caller (``file_folder``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from lxml import etree

from adapter.errors import PackError
from adapter.pohoda.envelope import (
    NS,
    PackItem,
    guard,
    item_id,
    pack_refusal,
    parse_item,
    response_root,
    state_of,
)
from adapter.records import ItemState, PackResult

PRN = "http://www.stormware.cz/schema/version_2/print.xsd"
PRINT_NS = {**NS, "prn": PRN}
#: the biggest PDF the adapter accepts (bigger answers are refused per document, nothing stored)
MAX_PDF_BYTES = 10 * 1024 * 1024
#: POHODA's agenda names for printing (``ftr:printAgendaType``)
ISSUED_INVOICES = "vydane_faktury"
RECEIVED_ORDERS = "prijate_objednavky"


def _q(name: str) -> str:
    prefix, local = name.split(":", 1)
    return f"{{{PRINT_NS[prefix]}}}{local}"


def _sub(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(tag))
    if value is not None:
        child.text = value
    return child


def print_request(record_id: int, report_id: int, *, agenda: str = ISSUED_INVOICES,
                  file_name: str = "", key: str = "") -> PackItem:
    """A ``prn:print`` item: one record of ``agenda`` printed with report ``report_id`` to PDF, returned in the answer."""
    if record_id <= 0 or report_id <= 0:
        raise ValueError("Tisk potřebuje kladné ID dokladu i ID tiskové sestavy.")
    element = etree.Element(_q("prn:print"), {"version": "1.0"}, nsmap=PRINT_NS)
    record = _sub(element, "prn:record")
    record.set("agenda", agenda)
    _sub(_sub(record, "ftr:filter"), "ftr:id", str(record_id))
    settings = _sub(element, "prn:printerSettings")
    _sub(_sub(settings, "prn:report"), "prn:id", str(report_id))
    pdf = _sub(settings, "prn:pdf")
    _sub(pdf, "prn:fileName", file_name or f"C:\\PDF\\{agenda}_{record_id}.pdf")
    binary = _sub(pdf, "prn:binaryData")
    _sub(binary, "prn:responseXml", "true")
    _sub(binary, "prn:removeFile", "true")
    return PackItem(item_id("prn", key or f"{agenda}-{record_id}-{report_id}"), element, ())


@dataclass(frozen=True, slots=True)
class PrintResult:
    """One print answer: state, POHODA's note and the PDF bytes (None when the answer holds none)."""

    item_id: str
    state: ItemState
    note: str
    pdf: bytes | None = None
    file_name: str = ""

    def problem(self) -> str:
        """A Czech message when the answer cannot be used, else ""."""
        if self.state == "error":
            return f"POHODA doklad nevytiskla: {self.note or 'bez udání důvodu'}. Zkontrolujte ID tiskové sestavy v Nastavení."
        if self.pdf is None:
            return ("Odpověď POHODY neobsahuje data PDF (rdc:printDetails). Zkontrolujte, že sestava umí tisk do PDF, "
                    "a spusťte agendu znovu.")
        if len(self.pdf) > MAX_PDF_BYTES:
            return (f"PDF od POHODY má {len(self.pdf) // (1024 * 1024)} MB, víc než povolených 10 MB; neuloženo. "
                    "Zvolte menší tiskovou sestavu (bez obrázků).")
        if not self.pdf.startswith(b"%PDF-"):
            return "Data od POHODY nejsou PDF (chybí hlavička %PDF-). Zkontrolujte tiskovou sestavu."
        return ""


def _attachment(node: etree._Element) -> tuple[bytes | None, str, str]:
    """(PDF bytes, file name, problem) of the first ``rdc:attachment/rdc:data``."""
    data = node.find("rdc:printDetails/rdc:attachments/rdc:attachment/rdc:data", PRINT_NS)
    if data is None or not (data.text or "").strip():
        return None, "", ""
    try:
        raw = base64.b64decode("".join((data.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return None, "", "Data PDF v odpovědi POHODY nejsou platné Base64."
    return raw, data.get("fileName", ""), ""


def parse_print(xml: bytes) -> PrintResult:
    """Parse the answer to one ``prn:print`` item (a pack-level refusal raises PackError)."""

    def run() -> PrintResult:
        doc = response_root(xml)
        items = doc.findall("rsp:responsePackItem", NS)
        result = PackResult(doc.get("id", ""), state_of(doc.get("state")), items=tuple(parse_item(i) for i in items[:1]))
        refusal = pack_refusal(result)
        if refusal is not None:
            raise PackError((doc.get("note") or "").strip(), detail="print request refused")
        if not items:
            return PrintResult("", "error", "odpověď neobsahuje žádnou položku")
        first = result.items[0]
        response = items[0].find("prn:printResponse", PRINT_NS)
        notes = [first.note] + [d.note for d in first.details if d.state == "error" and d.note]
        note = "; ".join(dict.fromkeys(n for n in notes if n))
        if first.state == "error" or response is None or response.get("state") == "error":
            return PrintResult(first.item_id, "error", note or "odpověď neobsahuje prn:printResponse")
        pdf, name, problem = _attachment(response)
        if problem:
            return PrintResult(first.item_id, "error", problem)
        return PrintResult(first.item_id, first.state, note, pdf, name)

    return guard(run)

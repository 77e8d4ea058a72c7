"""Stock receipts (Příjemky): the only way to raise quantities, e.g. initial stock of new cards."""

from __future__ import annotations

from adapter.pohoda.envelope import Fields, PackItem, item_id, root, sub, xml_date
from adapter.pohoda.orders import doc_lines
from adapter.records import ReceiptDoc

__all__ = ["receipt_item"]


def receipt_item(doc: ReceiptDoc) -> PackItem:
    """A ``pri:prijemka`` with stock-linked lines; unit prices are purchase prices without VAT."""
    f = Fields()
    receipt = root("pri:prijemka", version="2.0")
    header = sub(receipt, "pri:prijemkaHeader")
    sub(header, "pri:date", xml_date(doc.date))
    f.text(header, "pri:text", doc.text, "text", "string240")
    f.text(header, "pri:note", doc.note, "note")
    if not doc.lines:
        raise ValueError("Příjemka musí mít aspoň jednu položku.")
    if any(line.stock_code is None for line in doc.lines):
        f.warn("Příjemka obsahuje textové položky: ty stav zásob nezmění.")
    doc_lines(receipt, "pri", "pri:prijemkaDetail", doc.lines, foreign=False, pay_vat=False, f=f)
    return f.item(item_id("pri", doc.key), receipt)

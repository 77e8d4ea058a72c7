"""EU sales in the mServer emulator: OSS documents (``MOSS``), členění DPH, the VAT summary POHODA rebuilds.

What it stands in for (readings, the XSD documents only the elements):

* ``MOSS/typ:ids`` names the OSS country; POHODA takes the percent of each
  line from its own table of EU rates by that country and the line's
  ``rateVAT`` code (high = standard, low = first reduced, third = second
  reduced). A code the country does not have refuses the item, as does OSS
  for the home country or a country outside the EU.
* ``classificationVAT/typ:ids`` must name a členění DPH that exists
  (:data:`CLASSIFICATIONS`), else the item is refused.
* An invoice transferred from a received order inherits the order's OSS
  country unless its own header names one.

The summary (base and VAT per percent, in the document currency's home
amounts) is rebuilt from the lines after import and kept in ``doc_vat``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree

from adapter.emulators.mserver.common import ItemContext, ItemError, Line
from adapter.emulators.mserver.xml_io import find, findall, text

HOME = "CZ"

#: the emulated company's table of EU rates (POHODA › Nastavení › Sazby DPH v EU)
EU_RATES: dict[str, dict[str, Decimal]] = {
    country: {code: Decimal(p) for code, p in zip(("high", "low", "third"), rates, strict=False)}
    for country, rates in {
        "AT": ("20", "13", "10"), "BE": ("21", "12", "6"), "BG": ("20", "9"), "CY": ("19", "9", "5"),
        "DE": ("19", "7"), "DK": ("25",), "EE": ("24", "13", "9"), "ES": ("21", "10", "4"),
        "FI": ("25.5", "14", "10"), "FR": ("20", "10", "5.5"), "GR": ("24", "13", "6"), "HR": ("25", "13", "5"),
        "HU": ("27", "18", "5"), "IE": ("23", "13.5", "9"), "IT": ("22", "10", "5"), "LT": ("21", "12", "5"),
        "LU": ("17", "8", "3"), "LV": ("21", "12", "5"), "MT": ("18", "7", "5"), "NL": ("21", "9"),
        "PL": ("23", "8", "5"), "PT": ("23", "13", "6"), "RO": ("21", "11"), "SE": ("25", "12", "6"),
        "SI": ("22", "9.5", "5"), "SK": ("23", "19", "5"),
    }.items()
}
for _rates in EU_RATES.values():
    _rates["none"] = Decimal(0)

#: členění DPH of the emulated company (issued side)
CLASSIFICATIONS = frozenset({"UD", "UDA5", "UDdodEU", "UDvyvoz", "UDzahr", "UN", "xUD"})


@dataclass
class DocVatInfo:
    """The VAT elements of one imported document."""

    moss: str = ""
    evidence: list[str] = field(default_factory=list)
    period: str = ""
    classification: str = ""

    @property
    def percents(self) -> Mapping[str, Decimal] | None:
        """The rate table of the OSS country, None for home documents."""
        return EU_RATES[self.moss] if self.moss else None


def parse_vat(ctx: ItemContext, header: etree._Element, prefix: str, inherited: DocVatInfo | None = None) -> DocVatInfo:
    """Read and check ``classificationVAT``, ``MOSS``, ``evidentiaryResourcesMOSS``, ``accountingPeriodMOSS``."""
    info = DocVatInfo() if inherited is None else DocVatInfo(inherited.moss, list(inherited.evidence), inherited.period)
    node = find(header, f"{prefix}:classificationVAT")
    if node is not None:
        ids = text(node, "typ:ids") or ""
        if ids and ids not in CLASSIFICATIONS:
            raise ItemError(f"Členění DPH '{ids}' neexistuje.", node, requested=ids)
        info.classification = ids or (text(node, "typ:classificationVATType") or "")
    moss_node = find(header, f"{prefix}:MOSS")
    if moss_node is not None:
        info.moss = (text(moss_node, "typ:ids") or "").upper()
        if info.moss == HOME or info.moss not in EU_RATES:
            raise ItemError(f"Stát '{info.moss}' nelze použít pro režim OSS.", moss_node, requested=info.moss)
        info.evidence = [(e.text or "").strip() for e in findall(find(header, f"{prefix}:evidentiaryResourcesMOSS"), "typ:ids")]
        info.period = text(header, f"{prefix}:accountingPeriodMOSS") or info.period
        if not info.period:
            ctx.warn("Doklad v režimu OSS nemá účetní období (accountingPeriodMOSS); použije se období data dokladu.",
                     moss_node)
    return info


def summary(lines: list[Line], info: DocVatInfo) -> dict[str, Any]:
    """Base and VAT per percent, as POHODA's document summary shows them."""
    table = info.percents or {"none": Decimal(0), "low": Decimal(12), "high": Decimal(21)}
    out: dict[str, list[Decimal]] = {}
    for line in lines:
        key = format(table.get(line.rate_vat, Decimal(0)).normalize(), "f")
        base, vat = out.setdefault(key, [Decimal(0), Decimal(0)])
        out[key] = [base + line.price, vat + line.price_vat]
    return {k: [str(v[0]), str(v[1])] for k, v in out.items()}


def save_vat(ctx: ItemContext, agenda: str, doc_id: int, info: DocVatInfo, lines: list[Line]) -> None:
    """Keep the document's VAT elements and rebuilt summary."""
    ctx.store.insert("doc_vat", agenda=agenda, doc_id=doc_id, moss=info.moss, evidence=json.dumps(info.evidence),
                     period=info.period, classification=info.classification,
                     summary=json.dumps(summary(lines, info)))


def load_vat(ctx: ItemContext, agenda: str, doc_id: int) -> DocVatInfo | None:
    """The VAT elements a document was imported with (None when it had none)."""
    row = ctx.store.one("SELECT * FROM doc_vat WHERE agenda = ? AND doc_id = ?", (agenda, doc_id))
    if row is None:
        return None
    return DocVatInfo(row["moss"], json.loads(row["evidence"]), row["period"], row["classification"])


def document_vat(store: Any, agenda: str, number: str) -> dict[str, Any] | None:
    """Inspection: the VAT elements and summary of the order ("order"), invoice ("invoice") or credit note
    ("credit") ``number``."""
    table = {"order": "received_order", "credit": "credit_note"}.get(agenda, "issued_invoice")
    row = store.one(f"SELECT v.* FROM doc_vat v JOIN {table} d ON d.id = v.doc_id "  # noqa: S608 - fixed names
                    "WHERE v.agenda = ? AND d.number = ?", (agenda, number))
    if row is None:
        return None
    return {"moss": row["moss"], "evidence": json.loads(row["evidence"]), "period": row["period"],
            "classification": row["classification"],
            "summary": {k: (Decimal(v[0]), Decimal(v[1])) for k, v in json.loads(row["summary"]).items()}}

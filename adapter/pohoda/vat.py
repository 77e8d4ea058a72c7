"""The VAT regime elements of a document header (OSS, reverse charge, export) — pure XML.

POHODA reads the OSS rates from its own table of EU rates by the header's
``MOSS`` country and each line's ``rateVAT`` code (high = the country's
standard rate, low = first reduced, third = second reduced). Reading chosen
(confidence: medium — the XSD documents the elements, not how POHODA picks the
percent): we send no ``percentVAT`` (the XSD calls it a *historical* rate) and
no ``rateVAT/@value`` (export only).
"""

from __future__ import annotations

from lxml import etree

from adapter.pohoda.envelope import Fields, sub
from adapter.records import DocVat


def vat_header(header: etree._Element, prefix: str, vat: DocVat | None, f: Fields) -> None:
    """Append ``classificationVAT``, ``MOSS``, ``evidentiaryResourcesMOSS``, ``accountingPeriodMOSS``."""
    if vat is None:
        return
    if vat.classification and prefix == "inv":
        node = sub(header, f"{prefix}:classificationVAT")
        f.text(node, "typ:ids", vat.classification, "classificationVAT", "idsType")
    if not vat.moss_country:
        return
    f.text(sub(header, f"{prefix}:MOSS"), "typ:ids", vat.moss_country, "MOSS", "string2")
    if vat.evidence:
        evidence = sub(header, f"{prefix}:evidentiaryResourcesMOSS")
        for code in vat.evidence:
            sub(evidence, "typ:ids", code)
    f.text(header, f"{prefix}:accountingPeriodMOSS", vat.accounting_period, "accountingPeriodMOSS", "string7")


def vat_note(note: str, vat: DocVat | None) -> str:
    """The document note with the regime's text (reverse charge) appended once."""
    if vat is None or not vat.note or vat.note in note:
        return note
    return f"{note}\n{vat.note}" if note else vat.note

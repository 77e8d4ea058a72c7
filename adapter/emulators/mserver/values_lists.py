"""The mServer emulator's formy úhrady and členění DPH lists, and its "no licence" refusal.

``lst:listPaymentRequest`` → ``lst:listPayment`` of ``lst:payment`` (``pay:paymentHeader``);
``lst:listClassificationVATRequest`` → ``lst:listClassificationVAT`` of ``lst:classificationVAT``
(``vat:classificationVATHeader``), as ``list.xsd``, ``payment.xsd`` and ``classificationVAT.xsd``
describe them (the answer namespaces ``pay`` and ``vat`` are declared on the list element).
The values are the ones a fresh Czech POHODA has; the členění DPH codes are exactly the ones the
emulator accepts on invoices (:data:`adapter.emulators.mserver.eu.CLASSIFICATIONS`), plus two
purchase codes, which a sales mapping must leave out.

The ``no_licence`` fault answers every ``/xml`` request with a pack-level refusal whose note
names the licence (see :mod:`adapter.pohoda.licence` for the reading of how POHODA says it);
``/status`` keeps answering, as mServer itself is running.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from adapter.emulators.mserver.common import ItemContext
from adapter.emulators.mserver.xml_io import fmt, list_open, nd, tx

_BASE = "http://www.stormware.cz/schema/version_2/"
NO_LICENCE_NOTE = "Nelze zpracovat XML: pro program POHODA není k dispozici volná licence."

#: (id, name, text, paymentType)
PAYMENT_FORMS = (
    (1, "Příkazem", "Převodním příkazem", "transfer"),
    (2, "Hotově", "Hotově", "cash"),
    (3, "Dobírkou", "Dobírkou", "delivery"),
    (4, "Platební kartou", "Platební kartou", "creditCard"),
    (5, "Zálohou", "Zálohou", "advance"),
    (6, "Šekem", "Šekem", "cheque"),
    (7, "Stravenkou", "Stravenkou", "ticket"),
)
#: (id, code, name, VATType ids, offer)
CLASSIFICATIONS = (
    (1, "UD", "Uskutečněné plnění - tuzemsko", "inland", True),
    (2, "UDA5", "Uskutečněné plnění - zjednodušený daňový doklad", "inland", True),
    (3, "UN", "Uskutečněné plnění - nezahrnovat do přiznání DPH", "nonSubsume", True),
    (4, "UDdodEU", "Dodání zboží do jiného členského státu EU", "EU", True),
    (5, "UDvyvoz", "Vývoz zboží", "export", True),
    (6, "UDzahr", "Plnění s místem plnění mimo tuzemsko", "foreign", True),
    (7, "xUD", "Uskutečněné plnění - nepoužívané", "inland", False),
    (8, "PD", "Přijaté plnění - tuzemsko", "inland", True),
    (9, "PN", "Přijaté plnění - nezahrnovat do přiznání DPH", "nonSubsume", True),
)


def _open(tag: str, prefix: str, module: str, ctx: ItemContext) -> str:
    return list_open(tag, ctx.now)[:-1] + f' xmlns:{prefix}="{_BASE}{module}">'


def list_payments(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lst:listPaymentRequest`` → ``lst:listPayment``."""
    yield _open("lst:listPayment", "pay", "payment.xsd", ctx)
    for pid, name, text, kind in PAYMENT_FORMS:
        header = nd("pay:paymentHeader", tx("pay:id", pid), tx("pay:name", name), tx("pay:text", text),
                    tx("pay:paymentType", kind), tx("pay:useInSales", fmt(True)))
        yield nd("lst:payment", header, attrs={"version": "2.0"})
    yield "</lst:listPayment>"


def list_classifications(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """``lst:listClassificationVATRequest`` → ``lst:listClassificationVAT``."""
    yield _open("lst:listClassificationVAT", "vat", "classificationVAT.xsd", ctx)
    for cid, code, name, vat_type, offer in CLASSIFICATIONS:
        header = nd("vat:classificationVATHeader", tx("vat:id", cid), tx("vat:code", code), tx("vat:name", name),
                    nd("vat:VATType", tx("typ:ids", vat_type)), tx("vat:offer", fmt(offer)))
        yield nd("lst:classificationVAT", header, attrs={"version": "2.0"})
    yield "</lst:listClassificationVAT>"

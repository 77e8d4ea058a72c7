"""POHODA's own values for the mapping screens: formy úhrady and členění DPH, read over XML.

Requests (``list.xsd``): ``lst:listPaymentRequest`` (``paymentVersion="2.0"``) with an empty
``lst:requestPayment`` (every form), and ``lst:listClassificationVATRequest``
(``classificationVATVersion="2.0"``) with an empty ``lst:requestClassificationVAT``.

Our reading of the answers (the XSDs; no captured sample from a real POHODA):

* ``lst:listPayment`` holds ``lst:payment`` elements (``pay:paymentTypeRoot``), each with a
  ``pay:paymentHeader``: ``pay:id``, ``pay:name`` (string32, the value documents carry in
  ``paymentType/typ:ids``), ``pay:text`` and ``pay:paymentType`` — the basic kind
  (``transfer``, ``cash``, ``delivery``, ``creditCard``, ``advance``, ``cheque``, ``ticket``,
  ``foreignCurrency``, ``other``) that the suggestions match shop methods against.
* ``lst:listClassificationVAT`` holds ``lst:classificationVAT`` elements, each with a
  ``vat:classificationVATHeader``: ``vat:code`` (string15, e.g. ``UD``, ``UDA5``, ``UN``),
  ``vat:name``, ``vat:VATType/typ:ids`` and ``vat:offer`` (offered in the pick list). Codes
  starting with ``U`` are POHODA's *uskutečněná plnění* (sales); ``P`` the purchases.

Both lists ride in one pack; a pack-level refusal raises ``PackError`` (``MServerNoLicence``
when POHODA names its licence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from adapter.pohoda.envelope import Fields, PackItem, build_pack, root, sub, to_int
from adapter.pohoda.lists import ListResult, parse_list, request_id

if TYPE_CHECKING:
    from adapter.pohoda.client import MServerClient

_BASE = "http://www.stormware.cz/schema/version_2/"
_NS = {"pay": _BASE + "payment.xsd", "vat": _BASE + "classificationVAT.xsd", "typ": _BASE + "type.xsd"}


@dataclass(frozen=True, slots=True)
class PaymentForm:
    """One forma úhrady from POHODA's list (Seznamy › Platby › Formy úhrad)."""

    name: str  #: what documents carry in ``paymentType/typ:ids``
    payment_type: str  #: the basic kind: transfer, cash, delivery, creditCard, advance …
    text: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class VatClassification:
    """One členění DPH from POHODA's list."""

    code: str  #: e.g. "UD", "UDA5", "UN"
    name: str
    vat_type: str = ""
    offer: bool = True
    id: int | None = None

    @property
    def for_sales(self) -> bool:
        """An uskutečněné plnění (the sales side), offered in POHODA's pick list."""
        return self.code.startswith("U") and self.offer


@dataclass(frozen=True, slots=True)
class PohodaValues:
    """What POHODA listed (either list may have failed on its own with a note)."""

    payment_forms: tuple[PaymentForm, ...] = ()
    classifications: tuple[VatClassification, ...] = ()
    notes: tuple[str, ...] = field(default=())  #: item-level errors, Czech


def list_payment_request() -> PackItem:
    """``lst:listPaymentRequest`` for every forma úhrady."""
    req = root("lst:listPaymentRequest", version="2.0", paymentVersion="2.0")
    sub(req, "lst:requestPayment")
    return Fields().item(request_id("lpay"), req)


def list_classification_request() -> PackItem:
    """``lst:listClassificationVATRequest`` for every členění DPH."""
    req = root("lst:listClassificationVATRequest", version="2.0", classificationVATVersion="2.0")
    sub(req, "lst:requestClassificationVAT")
    return Fields().item(request_id("lvat"), req)


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""


def _payment(el: etree._Element) -> PaymentForm:
    head = el.find("pay:paymentHeader", _NS)
    if head is None:
        return PaymentForm("", "")
    return PaymentForm(_text(head, "pay:name"), _text(head, "pay:paymentType"), _text(head, "pay:text"),
                       to_int(_text(head, "pay:id")))


def _classification(el: etree._Element) -> VatClassification:
    head = el.find("vat:classificationVATHeader", _NS)
    if head is None:
        return VatClassification("", "")
    return VatClassification(_text(head, "vat:code"), _text(head, "vat:name"), _text(head, "vat:VATType/typ:ids"),
                             _text(head, "vat:offer") != "false", to_int(_text(head, "vat:id")))


def parse_payment_forms(xml: bytes) -> ListResult[PaymentForm]:
    """The formy úhrady of a list answer."""
    found = parse_list(xml, "lst:listPayment", "lst:payment", _payment)
    return ListResult(found.item_id, found.state, found.note, found.timestamp, [p for p in found.records if p.name])


def parse_classifications(xml: bytes) -> ListResult[VatClassification]:
    """The členění DPH of a list answer."""
    found = parse_list(xml, "lst:listClassificationVAT", "lst:classificationVAT", _classification)
    return ListResult(found.item_id, found.state, found.note, found.timestamp, [c for c in found.records if c.code])


def values_pack(ico: str) -> bytes:
    """The dataPack asking for both lists."""
    return build_pack([list_payment_request(), list_classification_request()], ico=ico, pack_id="values").xml


def read_values(client: MServerClient) -> PohodaValues:
    """Ask POHODA for its formy úhrady and členění DPH (raises PohodaError subclasses)."""
    answer = client.post(values_pack(client.ico), write=False)
    forms, classes = parse_payment_forms(answer), parse_classifications(answer)
    notes = tuple(f"{what}: {r.note}" for what, r in (("Formy úhrady", forms), ("Členění DPH", classes))
                  if r.state == "error")
    return PohodaValues(tuple(forms.records), tuple(classes.records), notes)

"""POHODA's side: the documents the adapter sends and what it reads back from mServer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from adapter.records.common import ZERO, Address, ItemState, VatRate

# --------------------------------------------------------------------------- POHODA: documents we send


@dataclass(frozen=True, slots=True)
class DocLine:
    """One line of a POHODA document (order, invoice, receipt).

    ``stock_code`` set → a stock-linked line (``typ:stockItem/typ:ids``);
    ``None`` → a text line (shipping, fees, discounts, rounding).
    ``unit_price`` is per unit; whether it includes VAT is the document's
    ``prices_include_vat``. In foreign currency it is in that currency.
    """

    text: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: VatRate = "high"
    unit: str = "ks"
    stock_code: str | None = None
    store: str | None = None  #: POHODA warehouse (sklad) code, for stock lines
    note: str = ""
    discount_percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DocVat:
    """A document's VAT regime elements (OSS / reverse charge / export); absent = domestic.

    ``moss_country`` set → ``MOSS`` (OSS), its rates apply to the lines' rate codes;
    ``classification`` → ``classificationVAT/typ:ids`` (členění DPH) of the header.
    """

    moss_country: str = ""
    evidence: tuple[str, ...] = ()  #: evidentiaryResourcesMOSS ids
    accounting_period: str = ""  #: accountingPeriodMOSS, e.g. "Q4/2026"
    classification: str = ""
    note: str = ""  #: appended to the document note (the reverse-charge text)


@dataclass(frozen=True, slots=True)
class AdvanceDeduction:
    """A paid advance invoice deducted on a final invoice (``inv:invoiceAdvancePaymentItem``).

    ``amount`` is positive, in the document's currency; it is sent negative.
    ``vat_rate`` "none" = deducted without VAT (no tax document for the payment).
    """

    number: str  #: the advance invoice's number in POHODA (sourceDocument/number)
    amount: Decimal
    vat_rate: VatRate = "none"
    text: str = "Odpočet zálohy"
    base: Decimal | None = None  #: with a rate: the price without VAT, as POHODA splits the lines it deducts


@dataclass(frozen=True, slots=True)
class OrderDoc:
    """A received order (objednávka přijatá) to create in POHODA."""

    key: str  #: natural key (e-shop order id) → dataPackItem id and extId
    number_order: str  #: the e-shop's order number (ord:numberOrder)
    date: dt.date
    partner: Address
    lines: tuple[DocLine, ...]
    ship_to: Address | None = None
    number_requested: str | None = None  #: None → POHODA's number series
    text: str = ""
    note: str = ""
    int_note: str = ""
    payment_type: str | None = None  #: POHODA payment type (ids of typ:paymentType)
    carrier: str | None = None  #: POHODA carrier (dopravce) ids
    is_reserved: bool = False
    prices_include_vat: bool = True
    currency: str | None = None  #: None or "CZK" → home currency
    rate: Decimal | None = None  #: CZK per ``amount`` units of currency
    amount: int = 1
    ext_id: str = ""
    ext_system: str = ""  #: typ:exSystemName, e.g. "WooCommerce"
    numbering_series: str | None = None  #: POHODA číselná řada (ids)
    vat: DocVat | None = None  #: OSS / reverse charge / export elements; None = domestic


@dataclass(frozen=True, slots=True)
class InvoiceDoc:
    """An issued invoice (vydaná faktura) to create in POHODA.

    With ``link_order_number`` set the invoice is built from that received
    order (``inv:links``) and POHODA moves the stock; ``lines`` may then be
    empty (the whole order is taken over).
    """

    key: str
    date: dt.date
    partner: Address
    lines: tuple[DocLine, ...] = ()
    number_order: str = ""
    date_order: dt.date | None = None
    date_tax: dt.date | None = None
    date_due: dt.date | None = None
    link_order_number: str | None = None  #: number of the received order in POHODA
    link_order_id: int | None = None
    number_requested: str | None = None
    numbering_series: str | None = None  #: POHODA číselná řada (typ:ids) when no number is requested
    symbol_variable: str = ""
    text: str = ""
    note: str = ""
    payment_type: str | None = None
    prices_include_vat: bool = True
    currency: str | None = None
    rate: Decimal | None = None
    amount: int = 1
    ext_id: str = ""
    ext_system: str = ""
    vat: DocVat | None = None  #: OSS / reverse charge / export elements; None = domestic
    invoice_type: str = "issuedInvoice"  #: or "issuedAdvanceInvoice" (zálohová faktura)
    deductions: tuple[AdvanceDeduction, ...] = ()  #: paid advances deducted on this invoice


@dataclass(frozen=True, slots=True)
class StockCardDoc:
    """A stock card (zásoba) to create or update in POHODA, matched by code."""

    code: str
    name: str
    ean: str = ""
    unit: str = "ks"
    vat_rate: VatRate = "high"
    selling_price: Decimal = ZERO
    price_includes_vat: bool = True
    is_internet: bool = True
    store: str | None = None  #: warehouse code (typ:store/typ:ids)
    storage: str | None = None  #: storage tree node (členění skladu, typ:storage/typ:ids)
    stock_type: str = "card"
    ext_id: str = ""
    ext_system: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptDoc:
    """A stock receipt (příjemka) that raises quantities in POHODA."""

    key: str
    date: dt.date
    lines: tuple[DocLine, ...]
    text: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class AddressBookDoc:
    """An address book (adresář) record to upsert in POHODA."""

    key: str  #: natural key (e-shop customer id or "ico:<IČO>")
    address: Address
    ext_id: str = ""
    ext_system: str = ""
    note: str = ""

# --------------------------------------------------------------------------- POHODA: what we read back


@dataclass(frozen=True, slots=True)
class ResultDetail:
    """One ``rdc:detail`` of an import answer."""

    state: ItemState
    errno: int | None = None
    note: str = ""
    xpath: str = ""
    value_requested: str = ""
    value_produced: str = ""


@dataclass(frozen=True, slots=True)
class Produced:
    """``rdc:producedDetails``: what POHODA created or changed."""

    id: int | None = None
    number: str = ""
    code: str = ""
    action_type: str = ""
    ext_id: str = ""


@dataclass(frozen=True, slots=True)
class Duplicity:
    """``rsp:recordDuplicity``: the record an earlier identical item produced."""

    agenda: str = ""
    import_date: str = ""
    id: int | None = None
    number: str = ""


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The outcome of one ``dataPackItem``, with every detail POHODA gave."""

    item_id: str
    state: ItemState
    note: str = ""
    details: tuple[ResultDetail, ...] = ()
    produced: Produced | None = None
    duplicities: tuple[Duplicity, ...] = ()

    @property
    def ok(self) -> bool:
        """True when POHODA stored the item (possibly with warnings) or already had it."""
        return self.state != "error" or bool(self.duplicities)

    @property
    def is_duplicate(self) -> bool:
        """True when POHODA reported the item as imported before."""
        return bool(self.duplicities)

    @property
    def warnings(self) -> tuple[ResultDetail, ...]:
        """The details in state ``warning``."""
        return tuple(d for d in self.details if d.state == "warning")

    @property
    def errors(self) -> tuple[ResultDetail, ...]:
        """The details in state ``error``."""
        return tuple(d for d in self.details if d.state == "error")


@dataclass(frozen=True, slots=True)
class PackResult:
    """A whole ``responsePack``: envelope facts and one result per item."""

    pack_id: str
    state: ItemState
    note: str = ""
    program_version: str = ""
    ico: str = ""
    items: tuple[ItemResult, ...] = ()


@dataclass(frozen=True, slots=True)
class PriceLevel:
    """A named selling price level (cenová hladina) of a stock card."""

    name: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class StockCard:
    """A POHODA stock card as listed by ``listStockRequest``."""

    id: int
    code: str
    name: str
    ean: str = ""
    unit: str = ""
    store: str = ""  #: warehouse code (sklad)
    storage: str = ""  #: storage tree node
    count: Decimal = ZERO  #: physical quantity (stav zásoby)
    reservation: Decimal = ZERO  #: reserved by received orders
    selling_price: Decimal | None = None
    selling_price_includes_vat: bool = False
    vat_rate: VatRate = "high"
    is_internet: bool = False
    stock_type: str = "card"
    price_levels: tuple[PriceLevel, ...] = ()
    action_price: Decimal | None = None  #: current action (sale) price, if any

    @property
    def available(self) -> Decimal:
        """Quantity that can still be sold: count minus reservation."""
        return self.count - self.reservation


@dataclass(frozen=True, slots=True)
class PohodaOrder:
    """A received order as listed by ``listOrderRequest``."""

    id: int
    number: str
    number_order: str = ""
    date: dt.date | None = None
    ext_id: str = ""
    partner_name: str = ""
    total: Decimal = ZERO
    is_executed: bool = False


@dataclass(frozen=True, slots=True)
class PohodaInvoice:
    """An issued invoice as listed by ``listInvoiceRequest``, with its payment state."""

    id: int
    number: str
    number_order: str = ""
    date: dt.date | None = None
    symbol_variable: str = ""
    total: Decimal = ZERO
    #: amount still to pay in CZK (inv:liquidation/typ:amountHome; absent → 0)
    to_pay: Decimal = ZERO
    #: date of the last liquidation (payment), if any
    paid_date: dt.date | None = None
    ext_id: str = ""
    partner_name: str = ""
    #: False when the answer carried no inv:liquidation at all (rights, old
    #: POHODA): then ``to_pay`` says nothing and the invoice must not count as paid
    liquidation_known: bool = True


@dataclass(frozen=True, slots=True)
class AddressBookEntry:
    """An address book record as listed by ``listAddressBookRequest``."""

    id: int
    address: Address
    ext_id: str = ""
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class MServerStatus:
    """What ``GET /status`` (and ``?companyDetail``) told us."""

    name: str = ""
    server: str = ""
    status: str = ""
    processing: int = 0
    company: str = ""
    database: str = ""
    year: str = ""
    ico: str = ""

"""Typed records that cross module boundaries.

Money and quantities are always ``Decimal``; datetimes are timezone-aware.
The POHODA side (``adapter.pohoda``) and the e-shop side (``adapter.eshop``)
both speak only these records, so neither ever sees the other's raw data.
The sync jobs (``adapter.sync``) translate e-shop records into POHODA
documents (``OrderDoc``, ``InvoiceDoc`` …) and POHODA list records into
e-shop updates (``StockUpdate``).

* :mod:`adapter.records.common` — the address, ``ZERO``, VAT codes;
* :mod:`adapter.records.pohoda` — documents sent to POHODA and what it answers or lists;
* :mod:`adapter.records.eshop` — products, orders, customers of the e-shop.

Every record is importable from ``adapter.records`` itself.
"""

from __future__ import annotations

from adapter.records.common import (
    ZERO,
    Address,
    ItemState,
    VatRate,
    truthy,
)
from adapter.records.eshop import (
    Customer,
    NewCustomer,
    NewProduct,
    Order,
    OrderLine,
    Product,
    ShopInfo,
    StockUpdate,
    UpdateResult,
)
from adapter.records.pohoda import (
    AddressBookDoc,
    AddressBookEntry,
    AdvanceDeduction,
    DocLine,
    DocVat,
    Duplicity,
    InvoiceDoc,
    ItemResult,
    MServerStatus,
    OrderDoc,
    PackResult,
    PohodaInvoice,
    PohodaOrder,
    PriceLevel,
    Produced,
    ReceiptDoc,
    ResultDetail,
    StockCard,
    StockCardDoc,
)

__all__ = [
    "ZERO",
    "Address",
    "AddressBookDoc",
    "AddressBookEntry",
    "AdvanceDeduction",
    "Customer",
    "DocLine",
    "DocVat",
    "Duplicity",
    "InvoiceDoc",
    "ItemResult",
    "ItemState",
    "MServerStatus",
    "NewCustomer",
    "NewProduct",
    "Order",
    "OrderDoc",
    "OrderLine",
    "PackResult",
    "PohodaInvoice",
    "PohodaOrder",
    "PriceLevel",
    "Produced",
    "Product",
    "ReceiptDoc",
    "ResultDetail",
    "ShopInfo",
    "StockCard",
    "StockCardDoc",
    "StockUpdate",
    "UpdateResult",
    "VatRate",
    "truthy",
]

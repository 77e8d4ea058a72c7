"""Inspection records of the mServer emulator (what tests read back) and admin mutations.

Stock cards and address book entries are returned as the shared
``adapter.records`` types; documents as the richer local records below,
whose field names are a superset of ``records.PohodaOrder`` /
``records.PohodaInvoice`` (so a test can compare either way).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from adapter.emulators.mserver.common import ZERO, dec
from adapter.emulators.mserver.db import MServerStore
from adapter.records import Address, AddressBookEntry, PriceLevel, StockCard

#: a calendar day (inside a dataclass with a field called ``date`` that name no longer means the type)
Day = date


@dataclass(frozen=True, slots=True)
class EmuLine:
    """One stored document line."""

    text: str
    quantity: Decimal
    unit_price: Decimal
    price_sum: Decimal  #: line total with VAT in CZK
    vat_rate: str
    pay_vat: bool
    stock_code: str = ""
    store: str = ""
    stock_id: int | None = None


@dataclass(frozen=True, slots=True)
class EmuOrder:
    """A received order as stored by the emulator."""

    id: int
    number: str
    number_order: str
    date: date
    ext_id: str
    partner_name: str
    partner: Address
    total: Decimal  #: computed total with VAT in CZK
    total_foreign: Decimal | None
    currency: str
    is_reserved: bool
    is_executed: bool
    lines: tuple[EmuLine, ...]
    changed: datetime


@dataclass(frozen=True, slots=True)
class EmuInvoice:
    """An issued invoice as stored by the emulator, with its liquidation state."""

    id: int
    number: str
    number_order: str
    date: date
    symbol_variable: str
    total: Decimal
    to_pay: Decimal  #: amount left to pay (K likvidaci)
    paid_date: Day | None  #: date of the last payment
    ext_id: str
    partner_name: str
    partner: Address
    order_number: str
    currency: str
    total_foreign: Decimal | None
    lines: tuple[EmuLine, ...]
    changed: datetime


@dataclass(frozen=True, slots=True)
class EmuReceipt:
    """A stock receipt (příjemka)."""

    id: int
    number: str
    date: date
    text: str
    total: Decimal
    lines: tuple[EmuLine, ...]


def _address(values: dict[str, Any]) -> Address:
    return Address(
        company=values.get("company") or "", name=values.get("name") or "", street=values.get("street") or "",
        city=values.get("city") or "", zip=values.get("zip") or "", country=values.get("country") or "",
        email=values.get("email") or "", phone=values.get("phone") or "", ico=values.get("ico") or "",
        dic=values.get("dic") or "",
    )


def _lines(store: MServerStore, agenda: str, doc_id: int) -> tuple[EmuLine, ...]:
    rows = store.query("SELECT * FROM doc_item WHERE agenda = ? AND doc_id = ? ORDER BY pos", (agenda, doc_id))
    return tuple(
        EmuLine(text=r["text"], quantity=dec(r["quantity"]), unit_price=dec(r["unit_price"]),
                price_sum=dec(r["price_sum"]), vat_rate=r["rate_vat"], pay_vat=bool(r["pay_vat"]),
                stock_code=r["code"], store=r["store"], stock_id=r["stock_id"])
        for r in rows
    )


def stock_cards(store: MServerStore, row_id: int | None = None) -> list[StockCard]:
    """Every stock row (one per code and warehouse) as ``records.StockCard``; only row ``row_id`` if given."""
    levels: dict[int, list[PriceLevel]] = {}
    one = " WHERE id = ?" if row_id is not None else ""
    args = (row_id,) if row_id is not None else ()
    level_where = " WHERE stock_id = ?" if row_id is not None else ""
    for row in store.query(f"SELECT * FROM price_level{level_where} ORDER BY stock_id, name", args):  # noqa: S608 — fixed text
        levels.setdefault(row["stock_id"], []).append(PriceLevel(row["name"], Decimal(row["price"])))
    return [
        StockCard(
            id=r["id"], code=r["code"], name=r["name"], ean=r["ean"], unit=r["unit"], store=r["store"],
            storage=r["storage"], count=dec(r["count"]), reservation=dec(r["reservation"]),
            selling_price=dec(r["price"]), selling_price_includes_vat=bool(r["price_vat"]),
            vat_rate=r["vat_rate"] if r["vat_rate"] in ("none", "low", "high", "third") else "high",
            is_internet=bool(r["is_internet"]), stock_type=r["stock_type"],
            price_levels=tuple(levels.get(r["id"], ())),
        )
        for r in store.query(f"SELECT * FROM stock{one} ORDER BY id", args)  # noqa: S608 — fixed text
    ]


def received_orders(store: MServerStore) -> list[EmuOrder]:
    """Every received order with its lines."""
    out = []
    for r in store.query("SELECT * FROM received_order ORDER BY id"):
        partner = json.loads(r["partner"] or "{}")
        out.append(EmuOrder(
            id=r["id"], number=r["number"], number_order=r["number_order"], date=date.fromisoformat(r["date"]),
            ext_id=r["ext_ids"], partner_name=partner.get("company") or partner.get("name", ""),
            partner=_address(partner), total=dec(r["total"]),
            total_foreign=dec(r["total_foreign"]) if r["total_foreign"] else None, currency=r["currency"] or "CZK",
            is_reserved=bool(r["is_reserved"]), is_executed=bool(r["is_executed"]),
            lines=_lines(store, "order", r["id"]), changed=datetime.fromisoformat(r["changed"]),
        ))
    return out


def issued_invoices(store: MServerStore) -> list[EmuInvoice]:
    """Every issued invoice with lines and liquidation state."""
    out = []
    for r in store.query("SELECT i.*, o.number AS order_number FROM issued_invoice i"
                         " LEFT JOIN received_order o ON o.id = i.order_id ORDER BY i.id"):
        partner = json.loads(r["partner"] or "{}")
        out.append(EmuInvoice(
            id=r["id"], number=r["number"], number_order=r["number_order"], date=date.fromisoformat(r["date"]),
            symbol_variable=r["sym_var"], total=dec(r["total"]), to_pay=dec(r["to_pay"]),
            paid_date=date.fromisoformat(r["last_paid"]) if r["last_paid"] else None, ext_id=r["ext_ids"],
            partner_name=partner.get("company") or partner.get("name", ""), partner=_address(partner),
            order_number=r["order_number"] or "", currency=r["currency"] or "CZK",
            total_foreign=dec(r["total_foreign"]) if r["total_foreign"] else None,
            lines=_lines(store, "invoice", r["id"]), changed=datetime.fromisoformat(r["changed"]),
        ))
    return out


def addresses(store: MServerStore) -> list[AddressBookEntry]:
    """Every address book record."""
    return [
        AddressBookEntry(id=r["id"], address=_address(dict(r)), ext_id=r["ext_ids"],
                         modified=datetime.fromisoformat(r["changed"]).astimezone())
        for r in store.query("SELECT * FROM address ORDER BY id")
    ]


def receipts(store: MServerStore) -> list[EmuReceipt]:
    """Every stock receipt."""
    return [
        EmuReceipt(id=r["id"], number=r["number"], date=date.fromisoformat(r["date"]), text=r["text"],
                   total=dec(r["total"]), lines=_lines(store, "receipt", r["id"]))
        for r in store.query("SELECT * FROM receipt ORDER BY id")
    ]


# --------------------------------------------------------------------------- admin mutations


def mark_paid(store: MServerStore, invoice_number: str, amount: Decimal | None, on: date | None) -> EmuInvoice:
    """Record a (full or partial) payment of an issued invoice; bumps its ``changed``."""
    with store.transaction():
        row = store.one("SELECT * FROM issued_invoice WHERE number = ?", (invoice_number,))
        if row is None:
            raise KeyError(f"Vydaná faktura '{invoice_number}' neexistuje.")
        to_pay = dec(row["to_pay"])
        paid = to_pay if amount is None else Decimal(amount)
        if paid <= 0 or paid > to_pay:
            raise ValueError(f"Částka {paid} musí být kladná a nejvýše {to_pay} (zbývá uhradit).")
        day = (on or date.today()).isoformat()
        store.insert("payment", invoice_id=row["id"], date=day, amount=str(paid))
        store.update("issued_invoice", row["id"], to_pay=str(to_pay - paid), last_paid=day, changed=store.stamp())
    return next(i for i in issued_invoices(store) if i.number == invoice_number)


def set_stock(store: MServerStore, code: str, count: Decimal, warehouse: str | None) -> StockCard:
    """Set the quantity of a card (in one warehouse); a new warehouse row copies the card. Bumps ``changed``."""
    with store.transaction():
        rows = store.query("SELECT * FROM stock WHERE code = ? ORDER BY id", (code,))
        if not rows:
            raise KeyError(f"Zásoba '{code}' neexistuje.")
        target: sqlite3.Row | None
        if warehouse is None:
            if len(rows) > 1:
                raise ValueError(f"Zásoba '{code}' je ve více skladech; uveďte sklad.")
            target = rows[0]
        else:
            target = next((r for r in rows if r["store"] == warehouse), None)
        if target is None:
            cols = {k: rows[0][k] for k in rows[0].keys() if k not in ("id", "store", "count", "reservation")}  # noqa: SIM118 (sqlite3.Row)
            cols["changed"] = store.stamp()
            row_id = store.insert("stock", store=warehouse, count=str(count), **cols)
        else:
            row_id = target["id"]
            store.update("stock", row_id, count=str(count), changed=store.stamp())
    return stock_cards(store, row_id)[0]


def total_stock(store: MServerStore, code: str) -> Decimal:
    """Sum of ``count`` over every warehouse of a code."""
    return sum((dec(r["count"]) for r in store.query("SELECT count FROM stock WHERE code = ?", (code,))), ZERO)

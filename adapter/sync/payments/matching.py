"""Payments (Likvidace): which e-shop orders POHODA says are paid.

Two sources give the same rows and the same preview table:

* the upload of POHODA's CSV export of issued invoices (Vydané faktury),
  read by :func:`~adapter.sync.payments.csv.read_payments_csv`;
* the automatic route over mServer, whose ``listInvoiceRequest`` answer
  arrives as :class:`~adapter.records.PohodaInvoice` records
  (:func:`plan_from_invoices`).

:func:`plan_payments` is pure: it compares the invoice rows with the shop's
current view of the orders (:class:`ShopOrderState`, built by the caller) and
sorts every order number into one list of :class:`PaymentPlan`. Nothing is
changed here; the caller shows the plan and, on confirmation, marks the
orders in ``to_mark_paid`` paid.

Rules
-----
* Order numbers are compared after :func:`normalise_order_number`: surrounding
  whitespace and one leading ``#`` are removed, nothing else. Leading zeros
  and letter case are kept, because "00123" and "123" may be different
  orders and marking the wrong order paid is worse than not pairing one.
* All rows of one order number are judged together. An order counts as
  **paid** when *every* invoice row for it has nothing left to pay, i.e.
  ``to_pay <= tolerance`` (inclusive; a negative amount is an overpayment or
  a credit note and counts as nothing left to pay). Exact duplicate rows
  (same invoice number and amounts) are counted once.
* An order not fully paid is **partly paid** when POHODA shows any payment:
  some row is settled, some row has a payment date, or the paid amount
  (invoice totals, or the shop total for CZK orders, minus what is left)
  exceeds the tolerance. Otherwise it is **unpaid**.
* An order already paid in the shop is **already paid** whatever the file
  says, so applying the same file twice changes nothing.
* An order the file says is paid but whose shop status is in
  ``blocked_statuses`` (cancelled, refunded, failed, trash) is **held**, not
  marked automatically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from adapter.czech import money, shop_status
from adapter.records import PohodaInvoice
from adapter.sync.payments.csv import PaymentRow, PaymentsFile, RowError

__all__ = [
    "DEFAULT_BLOCKED_STATUSES",
    "DEFAULT_TOLERANCE",
    "PaymentMatch",
    "PaymentPlan",
    "PlanList",
    "ShopOrderState",
    "normalise_order_number",
    "plan_from_invoices",
    "plan_payments",
    "rows_from_invoices",
]

DEFAULT_TOLERANCE = Decimal("1.00")
#: Shop statuses (WooCommerce) in which an order is never marked paid automatically.
DEFAULT_BLOCKED_STATUSES: frozenset[str] = frozenset({"cancelled", "refunded", "failed", "trash"})
_CZK = frozenset({"", "CZK", "KČ", "KC"})


@dataclass(frozen=True, slots=True)
class ShopOrderState:
    """The e-shop's current view of one order (built by the caller)."""

    order_id: int
    number: str
    status: str
    paid: bool
    total: Decimal
    currency: str = "CZK"


PlanList = Literal["to_mark_paid", "partly_paid", "unpaid", "unknown", "already_paid", "held"]


@dataclass(frozen=True, slots=True)
class PaymentMatch:
    """One order number of the plan: one line of the preview table."""

    kind: PlanList  #: the plan list the entry is in
    order_number: str  #: as written in POHODA (first row)
    order_id: int | None  #: e-shop order id; None when the shop does not know the number
    invoice_number: str  #: POHODA invoice number(s), ", "-joined
    to_pay: Decimal  #: left to pay in CZK, summed over the order's invoices
    paid: Decimal | None  #: paid so far in CZK, when the total is known
    total: Decimal | None  #: invoiced total in CZK (file) or the shop total for CZK orders
    date: dt.date | None  #: invoice date (latest of the order's invoices)
    paid_date: dt.date | None  #: payment date from POHODA (latest), if any
    shop_status: str = ""  #: e-shop status, "" when unknown
    shop_total: Decimal | None = None
    currency: str = ""  #: the shop order's currency, "" when unknown
    settled: bool = False  #: every invoice has nothing left to pay (within tolerance)
    lines: tuple[int, ...] = ()  #: file lines it came from (empty for mServer)

    @property
    def paid_on(self) -> dt.date | None:
        """The date to record as the payment date: POHODA's, else the invoice date."""
        return self.paid_date or self.date

    @property
    def reason(self) -> str:
        """Why the order is in its list, in Czech (for the preview table)."""
        return _reason(self)


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """What uploading a file (or reading POHODA) would change in the shop."""

    to_mark_paid: list[PaymentMatch] = field(default_factory=list)
    partly_paid: list[PaymentMatch] = field(default_factory=list)
    unpaid: list[PaymentMatch] = field(default_factory=list)
    unknown: list[PaymentMatch] = field(default_factory=list)
    already_paid: list[PaymentMatch] = field(default_factory=list)
    held: list[PaymentMatch] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    tolerance: Decimal = DEFAULT_TOLERANCE
    no_order: int = 0  #: invoices without an order number (skipped)

    @property
    def has_changes(self) -> bool:
        """True when confirming would mark at least one order paid."""
        return bool(self.to_mark_paid)

    @property
    def order_count(self) -> int:
        """Number of distinct order numbers in the source."""
        return sum(
            len(group)
            for group in (self.to_mark_paid, self.partly_paid, self.unpaid, self.unknown, self.already_paid, self.held)
        )


def normalise_order_number(value: str) -> str:
    """Strip whitespace and one leading ``#``; keep zeros and case."""
    value = value.strip()
    return value[1:].strip() if value.startswith("#") else value


# --------------------------------------------------------------------------- planning


def plan_payments(
    rows: PaymentsFile | Iterable[PaymentRow],
    orders: Mapping[str, ShopOrderState],
    *,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    errors: Sequence[RowError] = (),
    blocked_statuses: frozenset[str] = DEFAULT_BLOCKED_STATUSES,
    no_order: int = 0,
) -> PaymentPlan:
    """Sort every order number of ``rows`` into the lists of a :class:`PaymentPlan`.

    ``orders`` maps shop order numbers to their state; keys are compared
    normalised. A :class:`PaymentsFile` may be passed as ``rows``; its row
    errors and skipped count then go into the plan too.
    """
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    if isinstance(rows, PaymentsFile):
        errors = [*rows.errors, *errors]
        no_order += rows.no_order
        rows = rows.rows
    index = {normalise_order_number(key): state for key, state in orders.items()}
    plan = PaymentPlan(errors=list(errors), tolerance=tolerance, no_order=no_order)
    lists: dict[str, list[PaymentMatch]] = {
        "to_mark_paid": plan.to_mark_paid, "partly_paid": plan.partly_paid, "unpaid": plan.unpaid,
        "unknown": plan.unknown, "already_paid": plan.already_paid, "held": plan.held,
    }
    for key, group in _group(rows).items():
        match = _classify(group, index.get(key), tolerance, blocked_statuses)
        lists[match.kind].append(match)
    return plan


def rows_from_invoices(invoices: Iterable[PohodaInvoice]) -> tuple[list[PaymentRow], int]:
    """POHODA invoices (mServer list) as rows; returns (rows, count skipped).

    Skipped: invoices without an order number, and invoices whose answer
    carried no liquidation state at all — those say nothing about payment and
    must never mark an order paid.
    """
    rows: list[PaymentRow] = []
    skipped = 0
    for invoice in invoices:
        number = invoice.number_order.strip()
        if not number or not invoice.liquidation_known:
            skipped += 1
            continue
        rows.append(
            PaymentRow(
                line=0,
                order_number=number,
                to_pay=invoice.to_pay,
                date=invoice.date,
                invoice_number=invoice.number,
                paid_date=invoice.paid_date,
                total=invoice.total,
                variable_symbol=invoice.symbol_variable,
            )
        )
    return rows, skipped


def plan_from_invoices(
    invoices: Iterable[PohodaInvoice],
    orders: Mapping[str, ShopOrderState],
    *,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    blocked_statuses: frozenset[str] = DEFAULT_BLOCKED_STATUSES,
) -> PaymentPlan:
    """The same plan from POHODA's invoice list (``inv:liquidation`` = to pay)."""
    rows, skipped = rows_from_invoices(invoices)
    return plan_payments(rows, orders, tolerance=tolerance, blocked_statuses=blocked_statuses, no_order=skipped)


def _group(rows: Iterable[PaymentRow]) -> dict[str, list[PaymentRow]]:
    """Rows by normalised order number, in order of first appearance.

    A row repeating an earlier row of the same order exactly (invoice number,
    to pay, total) is dropped, so a file with duplicated lines is not summed twice.
    """
    groups: dict[str, list[PaymentRow]] = {}
    for row in rows:
        key = row.order_number.strip()  # normalise_order_number, inlined for large files
        if key[:1] == "#":
            key = key[1:].strip()
        if not key:
            continue
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        elif not (row.invoice_number and any(_same_invoice(row, other) for other in group)):
            group.append(row)
    return groups


def _same_invoice(a: PaymentRow, b: PaymentRow) -> bool:
    """True when two rows describe the same invoice with the same amounts."""
    return (a.invoice_number, a.to_pay, a.total) == (b.invoice_number, b.to_pay, b.total)


def _classify(
    group: Sequence[PaymentRow],
    state: ShopOrderState | None,
    tolerance: Decimal,
    blocked_statuses: frozenset[str],
) -> PaymentMatch:
    """One order's entry, with the plan list it belongs to."""
    first = group[0]
    if len(group) == 1:  # the usual case, kept cheap for large files
        to_pay, settled, any_settled = first.to_pay, first.to_pay <= tolerance, first.to_pay <= tolerance
        invoice_date, paid_date, invoices = first.date, first.paid_date, first.invoice_number
        lines: tuple[int, ...] = (first.line,) if first.line else ()
    else:
        to_pay = sum((row.to_pay for row in group), Decimal(0))
        flags = [row.to_pay <= tolerance for row in group]
        settled, any_settled = all(flags), any(flags)
        invoice_date = max((row.date for row in group if row.date is not None), default=None)
        paid_date = max((row.paid_date for row in group if row.paid_date is not None), default=None)
        invoices = ", ".join(dict.fromkeys(row.invoice_number for row in group if row.invoice_number))
        lines = tuple(row.line for row in group if row.line)
    total = _total(group, state)
    paid = None if total is None else total - to_pay
    if paid is not None and paid < -tolerance:
        paid = None  # totals that do not fit the amount left (e.g. total missing in POHODA)
    kind: PlanList
    if state is None:
        kind = "unknown"
    elif state.paid:
        kind = "already_paid"
    elif settled:
        kind = "held" if state.status in blocked_statuses else "to_mark_paid"
    elif any_settled or paid_date is not None or (paid is not None and paid > tolerance):
        kind = "partly_paid"
    else:
        kind = "unpaid"
    return PaymentMatch(
        kind=kind,
        order_number=first.order_number.strip(),
        order_id=None if state is None else state.order_id,
        invoice_number=invoices,
        to_pay=to_pay,
        paid=paid,
        total=total,
        date=invoice_date,
        paid_date=paid_date,
        shop_status="" if state is None else state.status,
        shop_total=None if state is None else state.total,
        currency="" if state is None else state.currency,
        settled=settled,
        lines=lines,
    )


def _total(group: Sequence[PaymentRow], state: ShopOrderState | None) -> Decimal | None:
    """Invoiced total in CZK: the invoices' totals, else the shop total of a CZK order."""
    if len(group) == 1 and group[0].total is not None:
        return group[0].total
    if all(row.total is not None for row in group):
        return sum((row.total for row in group if row.total is not None), Decimal(0))
    if state is not None and state.currency.strip().upper() in _CZK:
        return state.total
    return None


def _reason(match: PaymentMatch) -> str:
    """Czech text for the preview: why the order is in its list."""
    left = money(match.to_pay)
    if match.kind == "unknown":
        return "Objednávku s tímto číslem e-shop nezná — zkontrolujte číslo v poli Občj."
    if match.kind == "already_paid":
        note = "" if match.settled else f" POHODA ale eviduje k likvidaci {left} — zkontrolujte."
        return "V e-shopu už je zaplacená." + note
    if match.kind == "held":
        return (
            f"V POHODĚ uhrazeno, ale objednávka je v e-shopu ve stavu „{shop_status(match.shop_status)}“ — "
            "automaticky se neoznačí; zkontrolujte ji ručně."
        )
    if match.kind == "partly_paid":
        if match.paid is None:
            return f"Zbývá uhradit {left}."
        return f"Uhrazeno {money(match.paid)}, zbývá uhradit {left}."
    if match.kind == "unpaid":
        return f"Zatím neuhrazeno, zbývá uhradit {left}."
    plural = "," in match.invoice_number
    subject = f"Faktury {match.invoice_number}" if plural else f"Faktura {match.invoice_number}".rstrip()
    verb = "uhrazeny" if plural else "uhrazena"
    if match.to_pay < 0:
        return f"{subject} {verb} (přeplatek {money(-match.to_pay)})."
    if match.to_pay > 0:
        return f"{subject} {verb} (zbývá {left}, v toleranci)."
    return f"{subject} {verb}."

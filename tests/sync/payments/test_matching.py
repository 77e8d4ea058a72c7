"""Matching invoice rows with shop orders (``adapter.sync.payments.matching.plan_payments``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.czech import shop_status
from adapter.records import PohodaInvoice
from adapter.sync.payments.csv import PaymentRow, RowError, read_payments_csv
from adapter.sync.payments.matching import (
    PaymentPlan,
    ShopOrderState,
    normalise_order_number,
    plan_from_invoices,
    plan_payments,
)

D = Decimal
LISTS = ("to_mark_paid", "partly_paid", "unpaid", "unknown", "already_paid", "held")


def row(
    order: str,
    to_pay: str,
    *,
    total: str | None = "1000",
    invoice: str = "",
    line: int = 1,
    on: date | None = date(2024, 1, 5),
    paid_date: date | None = None,
) -> PaymentRow:
    return PaymentRow(
        line=line,
        order_number=order,
        to_pay=D(to_pay),
        date=on,
        invoice_number=invoice or f"F{order}",
        paid_date=paid_date,
        total=None if total is None else D(total),
    )


def shop(number: str, *, order_id: int = 0, paid: bool = False, status: str = "processing", total: str = "1000",
         currency: str = "CZK") -> ShopOrderState:
    return ShopOrderState(order_id=order_id or int("".join(c for c in number if c.isdigit()) or 1), number=number,
                          status=status, paid=paid, total=D(total), currency=currency)


def where(plan: PaymentPlan) -> dict[str, str]:
    """Order number → the list it landed in."""
    return {m.order_number: name for name in LISTS for m in getattr(plan, name)}


# --------------------------------------------------------------------------- the lists


def test_paid_order_is_marked() -> None:
    plan = plan_payments([row("1001", "0", invoice="240001", paid_date=date(2024, 1, 9))], {"1001": shop("1001")})
    [match] = plan.to_mark_paid
    assert (match.order_id, match.invoice_number, match.paid_on, match.kind) == (1001, "240001", date(2024, 1, 9), "to_mark_paid")
    assert match.reason == "Faktura 240001 uhrazena."
    assert plan.has_changes


def test_paid_on_falls_back_to_invoice_date() -> None:
    plan = plan_payments([row("1001", "0", on=date(2024, 2, 1))], {"1001": shop("1001")})
    assert plan.to_mark_paid[0].paid_on == date(2024, 2, 1)


def test_partly_paid_shows_paid_and_remaining() -> None:
    plan = plan_payments([row("1001", "400", total="1000")], {"1001": shop("1001")})
    [match] = plan.partly_paid
    assert (match.paid, match.to_pay) == (D(600), D(400))
    assert match.reason == "Uhrazeno 600,00\u00a0Kč, zbývá uhradit 400,00\u00a0Kč."


def test_partly_paid_by_payment_date_when_total_unknown() -> None:
    """A foreign-currency order and no "Celkem": POHODA's payment date tells a partial payment."""
    rows = [row("1001", "400", total=None, paid_date=date(2024, 1, 20))]
    plan = plan_payments(rows, {"1001": shop("1001", currency="EUR", total="40")})
    [match] = plan.partly_paid
    assert match.paid is None
    assert match.reason == "Zbývá uhradit 400,00\u00a0Kč."


def test_partly_paid_uses_shop_total_for_czk_orders() -> None:
    plan = plan_payments([row("1001", "250", total=None)], {"1001": shop("1001", total="1000")})
    assert plan.partly_paid[0].paid == D(750)


def test_unpaid() -> None:
    plan = plan_payments([row("1001", "1000", total="1000")], {"1001": shop("1001")})
    [match] = plan.unpaid
    assert match.reason == "Zatím neuhrazeno, zbývá uhradit 1\u00a0000,00\u00a0Kč."
    assert not plan.has_changes


def test_unpaid_foreign_currency_without_total() -> None:
    plan = plan_payments([row("1001", "1000", total=None)], {"1001": shop("1001", currency="EUR", total="40")})
    assert where(plan) == {"1001": "unpaid"}


def test_unknown_order_number() -> None:
    plan = plan_payments([row("9999", "0")], {"1001": shop("1001")})
    [match] = plan.unknown
    assert match.order_id is None
    assert match.shop_status == ""
    assert "nezná" in match.reason


def test_already_paid_in_shop() -> None:
    plan = plan_payments([row("1001", "0")], {"1001": shop("1001", paid=True, status="completed")})
    [match] = plan.already_paid
    assert match.reason == "V e-shopu už je zaplacená."


def test_already_paid_in_shop_but_pohoda_disagrees() -> None:
    plan = plan_payments([row("1001", "500")], {"1001": shop("1001", paid=True)})
    assert "POHODA ale eviduje k likvidaci 500,00\u00a0Kč" in plan.already_paid[0].reason


@pytest.mark.parametrize("status", ["cancelled", "refunded", "failed", "trash"])
def test_paid_but_cancelled_in_shop_is_held(status: str) -> None:
    plan = plan_payments([row("1001", "0")], {"1001": shop("1001", status=status)})
    assert where(plan) == {"1001": "held"}
    assert f"„{shop_status(status)}“" in plan.held[0].reason and f"„{status}“" not in plan.held[0].reason


def test_blocked_statuses_are_configurable() -> None:
    plan = plan_payments([row("1001", "0")], {"1001": shop("1001", status="cancelled")}, blocked_statuses=frozenset())
    assert where(plan) == {"1001": "to_mark_paid"}


# --------------------------------------------------------------------------- tolerance


@pytest.mark.parametrize(
    ("to_pay", "tolerance", "expected"),
    [
        ("1.00", "1.00", "to_mark_paid"),
        ("1.01", "1.00", "partly_paid"),
        ("0.99", "1.00", "to_mark_paid"),
        ("0.01", "0", "partly_paid"),
        ("0", "0", "to_mark_paid"),
        ("0.49", "0.50", "to_mark_paid"),
        ("-1.00", "1.00", "to_mark_paid"),
        ("-250", "1.00", "to_mark_paid"),
    ],
)
def test_tolerance_edges(to_pay: str, tolerance: str, expected: str) -> None:
    plan = plan_payments([row("1001", to_pay)], {"1001": shop("1001")}, tolerance=D(tolerance))
    assert where(plan) == {"1001": expected}


def test_reason_mentions_rounding_and_overpayment() -> None:
    plan = plan_payments([row("1", "0.40", invoice="A"), row("2", "-12", invoice="B")], {"1": shop("1"), "2": shop("2")})
    assert [m.reason for m in plan.to_mark_paid] == [
        "Faktura A uhrazena (zbývá 0,40\u00a0Kč, v toleranci).",
        "Faktura B uhrazena (přeplatek 12,00\u00a0Kč).",
    ]


def test_negative_tolerance_is_refused() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        plan_payments([], {}, tolerance=D("-1"))


# --------------------------------------------------------------------------- several rows per order


def test_two_invoices_both_paid() -> None:
    rows = [row("1001", "0", invoice="F1", line=2, on=date(2024, 1, 1)),
            row("1001", "0", invoice="F2", line=5, on=date(2024, 1, 7), paid_date=date(2024, 1, 8))]
    plan = plan_payments(rows, {"1001": shop("1001")})
    [match] = plan.to_mark_paid
    assert (match.invoice_number, match.lines, match.date, match.paid_on) == (
        "F1, F2", (2, 5), date(2024, 1, 7), date(2024, 1, 8))
    assert match.reason == "Faktury F1, F2 uhrazeny."


def test_two_invoices_one_unpaid_is_partly_paid() -> None:
    rows = [row("1001", "0", invoice="F1", total="600"), row("1001", "400", invoice="F2", total="400")]
    plan = plan_payments(rows, {"1001": shop("1001")})
    [match] = plan.partly_paid
    assert (match.to_pay, match.paid, match.total) == (D(400), D(600), D(1000))


def test_rows_cancelling_out_do_not_count_as_paid() -> None:
    """Every invoice must be settled: +500 and -500 do not make the order paid."""
    rows = [row("1001", "500", invoice="F1"), row("1001", "-500", invoice="D1", total="-500")]
    plan = plan_payments(rows, {"1001": shop("1001")})
    assert where(plan) == {"1001": "partly_paid"}


def test_exact_duplicate_rows_are_counted_once() -> None:
    rows = [row("1001", "400", invoice="F1", line=2), row("1001", "400", invoice="F1", line=3)]
    plan = plan_payments(rows, {"1001": shop("1001")})
    [match] = plan.partly_paid
    assert match.to_pay == D(400)
    assert match.lines == (2,)


def test_order_numbers_are_normalised_only_by_whitespace_and_hash() -> None:
    rows = [row(" #1001 ", "0"), row("01002", "0"), row("A-7", "0")]
    orders = {"1001": shop("1001"), "1002": shop("1002"), "a-7": shop("a-7", order_id=7), "# 5": shop("5")}
    plan = plan_payments(rows, orders)
    assert where(plan) == {"#1001": "to_mark_paid", "01002": "unknown", "A-7": "unknown"}
    assert normalise_order_number("  # 5 ") == "5"
    assert normalise_order_number("007") == "007"


def test_same_order_written_two_ways_is_one_entry() -> None:
    plan = plan_payments([row("#1001", "0", invoice="F1"), row("1001", "0", invoice="F2")], {"1001": shop("1001")})
    assert [m.invoice_number for m in plan.to_mark_paid] == ["F1, F2"]


# --------------------------------------------------------------------------- idempotence and sources


def _apply(plan: PaymentPlan, orders: dict[str, ShopOrderState]) -> dict[str, ShopOrderState]:
    """What the caller does on confirmation: mark the to_mark_paid orders paid."""
    paid = {m.order_id for m in plan.to_mark_paid}
    return {k: replace(v, paid=True, status="completed") if v.order_id in paid else v for k, v in orders.items()}


def test_planning_again_after_applying_changes_nothing() -> None:
    rows = [row("1", "0"), row("2", "300"), row("3", "1000"), row("4", "0"), row("5", "0")]
    orders = {str(i): shop(str(i)) for i in range(1, 5)}
    first = plan_payments(rows, orders)
    assert len(first.to_mark_paid) == 2
    second = plan_payments(rows, _apply(first, orders))
    assert second.to_mark_paid == []
    assert {m.order_number for m in second.already_paid} == {"1", "4"}
    assert where(second) == {"1": "already_paid", "2": "partly_paid", "3": "unpaid", "4": "already_paid", "5": "unknown"}


def test_payments_file_brings_its_errors_and_skips() -> None:
    data = "Občj;K likvidaci;Datum\n1001;0;1.1.2024\n1002;x;1.1.2024\n;0;1.1.2024\n".encode("cp1250")
    plan = plan_payments(read_payments_csv(data), {"1001": shop("1001")}, errors=[RowError(0, "navíc", "")])
    assert [e.line for e in plan.errors] == [3, 0]
    assert plan.no_order == 1
    assert where(plan) == {"1001": "to_mark_paid"}
    assert plan.order_count == 1


def test_plan_from_invoices_matches_the_csv_plan() -> None:
    invoices = [
        PohodaInvoice(id=1, number="240001", number_order="1001", date=date(2024, 1, 5), total=D("1000"),
                      to_pay=D(0), paid_date=date(2024, 1, 9)),
        PohodaInvoice(id=2, number="240002", number_order="1002", date=date(2024, 1, 6), total=D("1000"),
                      to_pay=D("400"), paid_date=date(2024, 1, 10)),
        PohodaInvoice(id=3, number="240003", number_order="1003", date=date(2024, 1, 7), total=D("1000"),
                      to_pay=D("1000")),
        PohodaInvoice(id=4, number="240004", number_order="", total=D("10"), to_pay=D(0)),
        PohodaInvoice(id=5, number="240005", number_order="9999", total=D("10"), to_pay=D(0)),
    ]
    csv = (
        "Číslo;Občj;Datum;Celkem;K likvidaci;Datum likvidace\n"
        "240001;1001;5.1.2024;1 000,00;0,00;9.1.2024\n"
        "240002;1002;6.1.2024;1 000,00;400,00;10.1.2024\n"
        "240003;1003;7.1.2024;1 000,00;1 000,00;\n"
        "240004;;;10,00;0,00;\n"
        "240005;9999;;10,00;0,00;\n"
    ).encode("cp1250")
    orders = {n: shop(n) for n in ("1001", "1002", "1003")}
    from_xml = plan_from_invoices(invoices, orders)
    from_csv = plan_payments(read_payments_csv(csv), orders)
    strip = lambda plan: {name: [replace(m, lines=()) for m in getattr(plan, name)] for name in LISTS}  # noqa: E731
    assert strip(from_xml) == strip(from_csv)
    assert from_xml.no_order == from_csv.no_order == 1
    assert where(from_xml) == {"1001": "to_mark_paid", "1002": "partly_paid", "1003": "unpaid", "9999": "unknown"}
    assert from_xml.to_mark_paid[0].lines == ()


def test_order_of_entries_follows_the_file() -> None:
    rows = [row(str(n), "0", line=i + 2) for i, n in enumerate([30, 10, 20])]
    plan = plan_payments(rows, {str(n): shop(str(n)) for n in (10, 20, 30)})
    assert [m.order_number for m in plan.to_mark_paid] == ["30", "10", "20"]


def test_payments_use_the_one_money_format() -> None:
    from adapter.czech import money

    assert money(D("-1234.5")) == "\u22121\u00a0234,50\u00a0Kč"
    assert money(D("0")) == "0,00\u00a0Kč"
    assert money(D("1234567.891")) == "1\u00a0234\u00a0567,89\u00a0Kč"


# --------------------------------------------------------------------------- properties

_AMOUNT = st.decimals(min_value=-5000, max_value=5000, places=2)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.builds(
            row,
            st.sampled_from(["1", "2", "3", "#3", " 4", "5", "99"]),
            _AMOUNT.map(str),
            total=st.none() | _AMOUNT.map(str),
            invoice=st.sampled_from(["A", "B", "C"]),
            paid_date=st.none() | st.just(date(2024, 5, 1)),
        ),
        max_size=12,
    ),
    paid=st.sets(st.sampled_from(["1", "2", "3", "4", "5"])),
    tolerance=st.sampled_from([D(0), D("0.5"), D(1), D(10)]),
)
def test_plan_properties(rows: list[PaymentRow], paid: set[str], tolerance: Decimal) -> None:
    orders = {n: shop(n, paid=n in paid, status="cancelled" if n == "5" else "processing") for n in ("1", "2", "3", "4", "5")}
    plan = plan_payments(rows, orders, tolerance=tolerance)
    seen = [normalise_order_number(m.order_number) for name in LISTS for m in getattr(plan, name)]
    assert sorted(seen) == sorted({normalise_order_number(r.order_number) for r in rows})  # each order exactly once
    for match in plan.to_mark_paid:
        assert match.order_id is not None
        assert not orders[normalise_order_number(match.order_number)].paid
        assert match.settled
        key = normalise_order_number(match.order_number)
        assert all(r.to_pay <= tolerance for r in rows if normalise_order_number(r.order_number) == key)
        assert isinstance(match.reason, str) and match.reason
    for match in plan.unknown:
        assert match.order_id is None
    again = plan_payments(rows, _apply(plan, orders), tolerance=tolerance)
    assert again.to_mark_paid == []
    assert len(again.already_paid) == len(plan.already_paid) + len(plan.to_mark_paid)


def test_invoice_without_liquidation_state_never_marks_paid() -> None:
    invoices = [
        PohodaInvoice(id=1, number="240001", number_order="1001", total=D("1000"), to_pay=D(0),
                      liquidation_known=False),
        PohodaInvoice(id=2, number="240002", number_order="1002", total=D("1000"), to_pay=D(0)),
    ]
    plan = plan_from_invoices(invoices, {n: shop(n) for n in ("1001", "1002")})
    assert [m.order_number for m in plan.to_mark_paid] == ["1002"]
    assert where(plan).get("1001") is None

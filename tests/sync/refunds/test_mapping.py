"""Refund → credit note mapping: totals to the haléř, VAT per rate, and every bad input held with a Czech reason."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from adapter.config import Settings
from adapter.eshop.refunds import RefundLine, ShopRefund
from adapter.pohoda.credit_notes import CreditNoteDoc
from adapter.records import Address, Order, OrderLine
from adapter.sync.orders.mapping import mapping_options
from adapter.sync.refunds.mapping import CreditMapped, CreditOptions, map_credit_note, pieces, spread

NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)
OPTS = mapping_options(Settings(data_dir=Path(".")))


def line(kind: str, name: str, qty: str, gross: str, rate: str, **kw: object) -> OrderLine:
    g, r = D(gross), D(rate)
    net = (g / (1 + r / 100)).quantize(D("0.01"))
    return OrderLine(kind=kind, name=name, quantity=D(qty), unit_price=net / D(qty), unit_price_incl=g / D(qty),  # type: ignore[arg-type]
                     total=net, total_tax=g - net, tax_rate=r, **kw)  # type: ignore[arg-type]


ORDER = Order(
    id=7, number="1007", status="completed", currency="CZK", created=NOW, modified=NOW, total=D("1099.00"),
    total_tax=D("0"), prices_include_tax=True, billing=Address(), shipping=Address(),
    lines=(line("product", "Hrnek", "3", "363.00", "21", product_id=11, sku="HR-1"),
           line("product", "Kniha", "2", "672.00", "12", product_id=12, sku="KN-1"),
           line("shipping", "Zásilkovna", "1", "64.00", "21", method_id="flat_rate")),
)


def refund(amount: str, *lines: RefundLine, currency: str = "") -> ShopRefund:
    return ShopRefund(id=90, order_id=7, amount=D(amount), reason="", created=NOW, lines=lines, currency=currency)


def mapped(r: ShopRefund, *, invoice_number: str = "26FV00001", invoice_total: D | None = None,
           refunded_before: D = D(0)) -> CreditMapped:
    return map_credit_note(r, ORDER, OPTS, CreditOptions(), issued=date(2026, 12, 5), invoice_number=invoice_number,
                           invoice_total=invoice_total, refunded_before=refunded_before)


def total(doc: CreditNoteDoc) -> D:
    return sum((ln.quantity * ln.unit_price for ln in doc.lines), D(0))


def test_line_refund_keeps_each_lines_vat_rate_and_the_exact_total() -> None:
    r = refund("400.00", RefundLine("product", "Hrnek", D(1), D("100.00"), D("21.00"), product_id=11),
               RefundLine("product", "Kniha", D(1), D("250.00"), D("29.00"), product_id=12))
    m = mapped(r)
    assert m.doc is not None, m.problems
    rates = {(ln.text, ln.vat_rate) for ln in m.doc.lines}
    assert ("Hrnek", "high") in rates and ("Kniha", "low") in rates
    assert total(m.doc) == D("400.00")  # 121 + 279
    assert m.doc.invoice_number == "26FV00001" and m.doc.key == "90"


def test_amount_only_refund_is_spread_over_the_orders_rates() -> None:
    m = mapped(refund("99.99"))
    assert m.doc is not None
    assert {ln.vat_rate for ln in m.doc.lines} == {"high", "low"}
    assert total(m.doc) == D("99.99")


@pytest.mark.parametrize(("qty", "gross"), [("3", "100.00"), ("1", "0.01"), ("7", "1000.01"), ("2", "0.01")])
def test_pieces_never_lose_a_haler(qty: str, gross: str) -> None:
    out = pieces("X", D(qty), D(gross), "high", code=None, store=None)
    assert sum((p.quantity * p.unit_price for p in out), D(0)) == D(gross)
    assert sum((p.quantity for p in out), D(0)) == D(qty)
    assert all(p.unit_price == p.unit_price.quantize(D("0.01")) for p in out)


def test_amount_beyond_the_lines_is_spread_and_the_total_stays_exact() -> None:
    m = mapped(refund("130.00", RefundLine("product", "Hrnek", D(1), D("100.00"), D("21.00"), product_id=11)))
    assert m.doc is not None and total(m.doc) == D("130.00")
    assert any(ln.text == "Vrácení částky nad rámec položek" for ln in m.doc.lines)
    extra = spread(D("9.00"), ORDER, OPTS, "t")
    assert extra is not None and sum((ln.unit_price for ln in extra), D(0)) == D("9.00")


def test_no_invoice_yet_is_held() -> None:
    m = mapped(refund("10.00"), invoice_number="")
    assert m.doc is None and "čeká na fakturu" in m.problems[0]


def test_refund_larger_than_the_invoice_is_held() -> None:
    m = mapped(refund("100.00"), invoice_total=D("1099.00"), refunded_before=D("1000.00"))
    assert m.doc is None and "převyšuje fakturu" in m.problems[0]


def test_refund_of_a_line_the_invoice_does_not_have_is_held() -> None:
    m = mapped(refund("50.00", RefundLine("product", "Neznámé", D(1), D("41.32"), D("8.68"), product_id=999)))
    assert m.doc is None and "není" in m.problems[0] and "Neznámé" in m.problems[0]


def test_refund_of_more_pieces_than_invoiced_is_held() -> None:
    m = mapped(refund("484.00", RefundLine("product", "Hrnek", D(4), D("400.00"), D("84.00"), product_id=11)))
    assert m.doc is None and "jen 3 ks" in " ".join(m.problems)


def test_refund_in_another_currency_is_held() -> None:
    m = mapped(refund("10.00", currency="EUR"))
    assert m.doc is None and "v měně EUR" in m.problems[0]


def test_returned_goods_need_a_paired_stock_card() -> None:
    r = refund("121.00", RefundLine("product", "Hrnek", D(1), D("100.00"), D("21.00"), product_id=11))
    m = map_credit_note(r, ORDER, OPTS, CreditOptions(return_store="Zboží"), issued=date(2026, 12, 5),
                        invoice_number="F1", codes={})
    assert m.doc is None and "nemá párovanou zásobu" in m.problems[0]
    m = map_credit_note(r, ORDER, OPTS, CreditOptions(return_store="Zboží"), issued=date(2026, 12, 5),
                        invoice_number="F1", codes={"HR-1": "HRN"})
    assert m.doc is not None and m.doc.lines[0].stock_code == "HRN" and m.doc.lines[0].store == "Zboží"

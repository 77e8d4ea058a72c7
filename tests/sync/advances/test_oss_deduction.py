"""The deduction on the final invoice carries the rates of the lines it deducts — OSS included.

Generated OSS orders (SK/DE/AT/PL/HU consumers, CZK and EUR) go advance →
payment → (tax document on and off) → final invoice through the mServer
emulator, which splits each deduction as POHODA does and refuses any other
split. With a tax document the final invoice nets to zero per rate (base and
VAT); without, the deduction is without VAT and the final invoice taxes the
whole delivery at the country's rates. Every pack is XSD-valid.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from adapter.emulators.mserver import MServerEmulator
from adapter.pohoda.advances import tax_document_item
from adapter.pohoda.answers import split_items
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import NS, build_pack, parse_response
from adapter.pohoda.invoices import invoice_item, list_invoices_request
from adapter.records import DocLine, Order, VatRate
from adapter.sync.advances.mapping import advance_key, deductions, map_advance, rate_percents, with_deduction
from adapter.sync.advances.tax_documents import map_tax_document, parse_liquidations, tax_key
from adapter.sync.invoices.mapping import map_invoice
from tests.sync.vat.test_generated import COUNTRY_RATES, OPTS, _send, generate

ZERO = Decimal(0)


def _oss_orders(count: int, seed: int, codes: list[str]) -> list[Order]:
    """``count`` generated orders of EU consumers under OSS, both currencies, every country's rates."""
    rng, n = random.Random(seed), 0
    out: list[Order] = []
    while len(out) < count:
        order, kind = generate(rng, n, codes)
        n += 1
        if kind == "oss":
            out.append(order)
    return out


def _summary(ms: MServerEmulator, agenda: str, number: str) -> dict[str, tuple[Decimal, Decimal]]:
    vat = ms.document_vat(agenda, number)
    assert vat is not None, number
    return {k: v for k, v in vat["summary"].items() if v != (ZERO, ZERO)}


def _advances(ms: MServerEmulator, orders: list[Order], check: Callable[[bytes], None]) -> dict[str, str]:
    """Send and pay the advance invoices; extId → number."""
    docs = [map_advance(o, OPTS, issued=date(2026, 5, 4), due_days=7).doc for o in orders]
    _send(ms, [invoice_item(d) for d in docs if d is not None], check)
    numbers = {i.ext_id: i.number for i in ms.issued_invoices()}
    for order in orders:
        ms.mark_paid(numbers[advance_key(order.id)], on=date(2026, 5, 6))
    return numbers


def _tax_documents(ms: MServerEmulator, orders: list[Order], numbers: dict[str, str],
                   check: Callable[[bytes], None]) -> dict[str, Any]:
    request = list_invoices_request(numbers=list(numbers.values()), liquidations=True,
                                    invoice_type="issuedAdvanceInvoice")
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        answer = client.post(build_pack([request], ico="12345678", pack_id="l").xml, write=False)
    paid = parse_liquidations(split_items(answer)[request.id][0])
    docs = [map_tax_document(o, OPTS, numbers[advance_key(o.id)], paid[numbers[advance_key(o.id)]]) for o in orders]
    assert all(not isinstance(d, str) for d in docs), [d for d in docs if isinstance(d, str)][:3]
    _send(ms, [tax_document_item(d) for d in docs if not isinstance(d, str)], check)
    return {d.ext_id: d for d in ms.tax_documents()}


@pytest.mark.parametrize("tax_document", [True, False], ids=["tax-document", "advance-only"])
def test_oss_chains_deduct_at_the_country_rates(mserver_factory: Callable[..., MServerEmulator],
                                                assert_valid_datapack: Callable[[bytes], None],
                                                tax_document: bool) -> None:
    ms = mserver_factory(seed_stock=60)
    orders = _oss_orders(50, 515 if tax_document else 616, sorted({card.code for card in ms.stock_cards()}))
    assert {o.currency for o in orders} == {"CZK", "EUR"}
    assert {o.billing.country for o in orders} == {"SK", "DE", "AT", "PL", "HU"}
    numbers = _advances(ms, orders, assert_valid_datapack)
    taxed = _tax_documents(ms, orders, numbers, assert_valid_datapack) if tax_document else {}
    finals = []
    for order in orders:
        mapped = map_invoice(order, OPTS, issued=date(2026, 5, 8), due_days=14)
        assert mapped.doc is not None
        source = taxed[tax_key(order.id)].number if tax_document else numbers[advance_key(order.id)]
        finals.append(with_deduction(mapped.doc, source, order.total, tax_document=tax_document,
                                     percents=rate_percents(order, OPTS)))
    _send(ms, [invoice_item(doc) for doc in finals], assert_valid_datapack)
    listed = {i.ext_id: i for i in ms.issued_invoices()}
    rates = {d.vat_rate for doc in finals for d in doc.deductions}
    assert rates == ({"high", "low", "third", "none"} if tax_document else {"none"}), rates
    for order in orders:
        final, advance = listed[str(order.id)], listed[advance_key(order.id)]
        state = ms.advance_state(final.number)
        assert state is not None and state["to_pay"] == 0 and state["total"] == 0, (order.id, state)
        assert (state["total_foreign"] or ZERO) == 0, (order.id, state)
        lines = _summary(ms, "invoice", advance.number)  # the advance's lines = the final invoice's lines
        assert set(lines) <= set(COUNTRY_RATES[order.billing.country]) | {"0"}, (order.id, lines)
        net = _summary(ms, "invoice", final.number)
        if tax_document:
            held = {k: v for k, v in taxed[tax_key(order.id)].summary.items() if v != (ZERO, ZERO)}
            assert held == lines, (order.id, held, lines)  # the tax document taxed what the lines hold
            assert net == {}, (order.id, order.currency, net)  # fully prepaid: zero base and VAT in every rate
        else:
            taxed_rates = {k: v for k, v in lines.items() if k != "0"}
            assert {k: v for k, v in net.items() if k != "0"} == taxed_rates, (order.id, net)
            zero = lines.get("0", (ZERO, ZERO))[0] - advance.total
            assert net.get("0", (ZERO, ZERO)) == ((zero, ZERO) if zero else (ZERO, ZERO)), (order.id, net)


def test_deductions_carry_the_oss_country_rates_and_the_per_line_split() -> None:
    sk: dict[VatRate, Decimal] = {"none": ZERO, "high": Decimal(23), "low": Decimal(19), "third": Decimal(5)}
    lines = (DocLine("a", Decimal(1), Decimal("10.01"), "high"), DocLine("b", Decimal(1), Decimal("10.01"), "high"),
             DocLine("c", Decimal(3), Decimal("2.10"), "third"), DocLine("d", Decimal(1), Decimal("5"), "none"))
    got = deductions("DD1", Decimal("31.32"), lines, tax_document=True, percents=sk)
    # per line: 10.01 / 1.23 = 8.14 (twice); 6.30 / 1.05 = 6.00 — not 20.02 / 1.23 = 16.28 in one
    assert [(d.amount, d.vat_rate, d.base) for d in got] == [
        (Decimal("20.02"), "high", Decimal("16.28")), (Decimal("6.30"), "third", Decimal("6.00")),
        (Decimal("5.00"), "none", None)]
    partial = deductions("DD1", Decimal("10"), lines, tax_document=True, percents=sk)
    assert [(d.amount, d.vat_rate, d.base) for d in partial] == [(Decimal("10"), "high", Decimal("8.13"))]


def test_the_emulator_refuses_a_deduction_split_at_czech_rates_on_an_oss_invoice(
        mserver_factory: Callable[..., MServerEmulator], assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=60)
    (order,) = _oss_orders(1, 9, sorted({card.code for card in ms.stock_cards()}))
    numbers = _advances(ms, [order], assert_valid_datapack)
    taxed = _tax_documents(ms, [order], numbers, assert_valid_datapack)
    mapped = map_invoice(order, OPTS, issued=date(2026, 5, 8), due_days=14)
    assert mapped.doc is not None
    number = taxed[tax_key(order.id)].number
    czech: dict[VatRate, Decimal] = {"none": ZERO, "high": Decimal(21), "low": Decimal(12)}
    wrong = with_deduction(mapped.doc, number, order.total, tax_document=True, percents=czech)
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        pack = build_pack([invoice_item(wrong)], ico="12345678", pack_id="w")
        assert_valid_datapack(pack.xml)
        (item,) = parse_response(client.post(pack.xml, write=True)).items
    assert item.state == "error" and "neodpovídají výpočtu POHODY" in item.note, item.note


def test_deductions_repeat_the_documents_classification(mserver_factory: Callable[..., MServerEmulator],
                                                         assert_valid_datapack: Callable[[bytes], None]) -> None:
    """Reverse charge: the deduction carries the invoice's členění DPH, not the advance's (none); another is refused."""
    ms = mserver_factory(seed_stock=60)
    codes = sorted({card.code for card in ms.stock_cards()})
    rng = random.Random(31)
    business = [o for o, kind in (generate(rng, n, codes) for n in range(40)) if kind == "reverse_charge"][:4]
    assert business
    numbers = _advances(ms, business, assert_valid_datapack)
    taxed = _tax_documents(ms, business, numbers, assert_valid_datapack)
    finals = []
    for order in business:
        mapped = map_invoice(order, OPTS, issued=date(2026, 5, 8), due_days=14)
        assert mapped.doc is not None and mapped.doc.vat is not None
        finals.append(with_deduction(mapped.doc, taxed[tax_key(order.id)].number, order.total, tax_document=True,
                                     percents=rate_percents(order, OPTS)))
    items = [invoice_item(doc) for doc in finals]
    for item in items:
        (deducted,) = item.element.iterfind(".//inv:invoiceAdvancePaymentItem", NS)
        assert deducted.findtext("inv:classificationVAT/typ:ids", namespaces=NS) == "UDdodEU"
    wrong = invoice_item(finals[0])
    node = wrong.element.find(".//inv:invoiceAdvancePaymentItem/inv:classificationVAT/typ:ids", NS)
    assert node is not None
    node.text = "UD"
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        (refused,) = parse_response(client.post(build_pack([wrong], ico="12345678", pack_id="w").xml,
                                                write=True)).items
    assert refused.state == "error" and "Členění DPH odpočtu zálohy" in refused.note, refused.note
    _send(ms, items, assert_valid_datapack)
    listed = {i.ext_id: i for i in ms.issued_invoices()}
    for order in business:
        final = listed[str(order.id)]
        assert _summary(ms, "invoice", final.number) == {}, order.id
        vat = ms.document_vat("invoice", final.number)
        assert vat is not None and vat["classification"] == "UDdodEU"

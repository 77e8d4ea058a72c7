"""Credit notes follow the VAT rules of the invoice they correct (issue 21, item 1).

Generated orders across CZ/SK/DE/AT/PL/HU/US, consumers and businesses, CZK
and EUR (the generator of the 1,000-order test), each invoiced stand-alone in
the mServer emulator, then refunded partly (lines, shipping, an amount) or in
full. Every credit note is XSD-valid, carries the invoice's regime (OSS
country and evidence, členění DPH, reverse-charge note, the invoice's rate),
and its total equals the refund to the haléř in the document currency — as the
emulator rebuilds it with its own OSS rate table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from adapter import ledger
from adapter.config.eu import VatSettings
from adapter.emulators.mserver import MServerEmulator
from adapter.eshop.refunds import RefundLine, ShopRefund
from adapter.pohoda.client import MServerClient
from adapter.pohoda.credit_notes import credit_note_item
from adapter.pohoda.envelope import NS, build_pack, parse_response
from adapter.pohoda.invoices import invoice_item
from adapter.records import Order
from adapter.sync.invoices.mapping import map_invoice
from adapter.sync.refunds.mapping import CreditOptions, map_credit_note
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)
from tests.sync.vat.test_generated import COUNTRY_RATES, OPTS, generate

INVOICED = date(2026, 5, 5)
C = Decimal("0.01")


def _share(value: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    return (value * part / whole).quantize(C)


def refunds_for(order: Order, rng: random.Random, first_id: int) -> tuple[str, list[ShopRefund]]:
    """(kind, refunds) of an order: partial lines, shipping, an amount, two partial ones, or everything."""
    kind = rng.choice(["lines", "shipping", "amount", "two", "full"])
    moment = datetime(2026, 7, 10, 10, tzinfo=UTC)
    products = [li for li in order.lines if li.kind == "product"]
    refunds: list[ShopRefund] = []
    if kind in ("lines", "two"):
        picked = rng.choice(products)
        qty = Decimal(rng.randint(1, int(picked.quantity)))
        line = RefundLine("product", picked.name, qty, _share(picked.total, qty, picked.quantity),
                          _share(picked.total_tax, qty, picked.quantity), product_id=picked.product_id, sku=picked.sku)
        refunds.append(ShopRefund(first_id, order.id, line.gross, "Vráceno zboží", moment, (line,)))
    shipping = next(li for li in order.lines if li.kind == "shipping")
    if kind == "shipping" and shipping.total:
        line = RefundLine("shipping", shipping.name, Decimal(0), shipping.total, shipping.total_tax)
        refunds.append(ShopRefund(first_id, order.id, line.gross, "Doprava", moment, (line,)))
    if kind in ("amount", "two") or (not refunds and kind != "full"):
        left = order.total - sum((r.amount for r in refunds), Decimal(0))
        amount = min(left, Decimal(rng.randint(1, 50_000)) / 100)
        if amount <= 0:
            return kind, refunds
        refunds.append(ShopRefund(first_id + len(refunds), order.id, amount, "Sleva", moment))
    if kind == "full":
        lines = tuple(RefundLine(li.kind, li.name, li.quantity if li.kind == "product" else Decimal(0), li.total,
                                 li.total_tax, product_id=li.product_id, sku=li.sku)
                      for li in order.lines if li.kind in ("product", "shipping", "fee"))
        refunds.append(ShopRefund(first_id, order.id, order.total, "Vráceno vše", moment, lines))
    return kind, refunds


def _send(ms: MServerEmulator, items: list[Any], check: Callable[[bytes], None]) -> list[Any]:
    out = []
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        for start in range(0, len(items), 200):
            pack = build_pack(items[start:start + 200], ico="12345678", pack_id=f"cn-{start}")
            check(pack.xml)
            out += parse_response(client.post(pack.xml, write=True)).items
    return out


def _header(item: Any) -> etree._Element:
    tree = etree.fromstring(build_pack([item], ico="12345678", pack_id="one").xml)
    header = tree.find(".//inv:invoiceHeader", NS)
    assert header is not None
    return header


@pytest.mark.slow
def test_generated_credit_notes_follow_the_invoice_regime(mserver_factory: Callable[..., MServerEmulator],
                                                         assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=60)
    codes = sorted({card.code for card in ms.stock_cards()})
    rng = random.Random(2104)
    orders = [generate(rng, n, codes) for n in range(280)]
    invoices = {o.id: map_invoice(o, OPTS, issued=INVOICED, due_days=14) for o, _k in orders}
    assert all(inv.doc is not None for inv in invoices.values())
    results = _send(ms, [invoice_item(inv.doc) for inv in invoices.values() if inv.doc], assert_valid_datapack)
    assert all(r.state != "error" for r in results)
    numbers = {i.ext_id: i.number for i in ms.issued_invoices()}
    notes, seen = [], set()
    for n, (order, kind) in enumerate(orders):
        refund_kind, refunds = refunds_for(order, rng, 10_000 + n * 10)
        seen.add((order.billing.country, bool(order.billing.dic), order.currency, refund_kind))
        doc = invoices[order.id].doc
        assert doc is not None
        before = Decimal(0)
        for r in refunds:
            issued = INVOICED if n % 3 == 0 else r.created.date()
            mapped = map_credit_note(r, order, OPTS, CreditOptions(), issued=issued,
                                     invoice_number=numbers[str(order.id)], refunded_before=before,
                                     invoice_rate=(doc.rate, doc.amount) if doc.rate else None, invoice_date=INVOICED)
            assert mapped.doc is not None, (order.id, refund_kind, mapped.problems)
            before += r.amount
            notes.append((order, kind, r, mapped.doc))
    assert {k for _o, k, _r, _d in notes} == {"domestic", "oss", "reverse_charge", "export"}
    assert {(c, cur) for c, _b, cur, _k in seen} >= {(c, "EUR") for c in COUNTRY_RATES if c != "CZ"}
    assert {(c, b) for c, b, _cur, _k in seen} == {(c, b) for c in COUNTRY_RATES for b in (False, True)}
    assert {k for *_x, k in seen} == {"lines", "shipping", "amount", "two", "full"}
    results = _send(ms, [credit_note_item(d) for *_x, d in notes], assert_valid_datapack)
    errors = [r.note for r in results if r.state == "error"]
    assert not errors, errors[:3]
    stored = {c.ext_id: c for c in ms.credit_notes()}
    for order, kind, refund, doc in notes:
        got = stored[f"refund-{refund.id}"]
        assert (got.total_foreign if order.currency == "EUR" else got.total) == -refund.amount, (order.id, kind)
        _check_regime(ms, order, kind, doc, got.number, numbers[str(order.id)])


def _check_regime(ms: MServerEmulator, order: Order, kind: str, doc: Any, number: str, invoice_number: str) -> None:
    vat = ms.document_vat("credit", number)
    original = ms.document_vat("invoice", invoice_number)
    assert vat is not None and original is not None
    assert (vat["moss"], vat["classification"]) == (original["moss"], original["classification"]), order.id
    assert vat["moss"] == (order.billing.country if kind == "oss" else "")
    allowed = set(COUNTRY_RATES[order.billing.country if kind == "oss" else "CZ"]) | {"0"}
    assert set(vat["summary"]) <= allowed, (order.id, vat["summary"])
    header = _header(credit_note_item(doc))
    assert header.findtext("inv:MOSS/typ:ids", "", NS) == (order.billing.country if kind == "oss" else "")
    expected = {"reverse_charge": "UDdodEU", "export": "UDvyvoz"}.get(kind, "")
    assert header.findtext("inv:classificationVAT/typ:ids", "", NS) == expected
    if kind == "reverse_charge":
        assert "přenesení daňové povinnosti" in header.findtext("inv:note", "", NS)
    if kind == "oss":
        assert header.findtext("inv:dateTaxOriginalDocumentMOSS", "", NS) == INVOICED.isoformat()
        assert (header.findtext("inv:correctionMOSS", "", NS) == "true") == (doc.date.month > 6)
    if order.currency == "EUR":
        assert doc.currency == "EUR" and doc.rate == Decimal("24.35")


def test_an_oss_credit_note_for_a_home_invoice_is_refused(mserver_factory: Callable[..., MServerEmulator],
                                                         assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=10)
    codes = sorted({card.code for card in ms.stock_cards()})
    order, _kind = next(o for o in (generate(random.Random(n), 1, codes) for n in range(400)) if o[1] == "oss"
                        and all(li.tax_rate in (0, 12, 21) for li in o[0].lines))  # a shop with Czech rates
    home = replace(OPTS, vat=replace(OPTS.vat, oss=False))  # the invoice went out domestic, the credit note OSS
    invoice = map_invoice(order, home, issued=INVOICED, due_days=14)
    assert invoice.doc is not None
    _send(ms, [invoice_item(invoice.doc)], assert_valid_datapack)
    number = ms.issued_invoices()[0].number
    refund = ShopRefund(1, order.id, Decimal("10.00"), "", datetime(2026, 5, 6, tzinfo=UTC))
    credit = map_credit_note(refund, order, OPTS, CreditOptions(), issued=INVOICED, invoice_number=number,
                             invoice_rate=(invoice.doc.rate, invoice.doc.amount) if invoice.doc.rate else None)
    assert credit.doc is not None and credit.doc.vat is not None and credit.doc.vat.moss_country == "SK"
    (result,) = _send(ms, [credit_note_item(credit.doc)], assert_valid_datapack)
    assert result.state == "error" and "Stát OSS dobropisu" in result.note
    assert ms.credit_notes() == []


def test_a_credit_note_in_another_currency_than_its_invoice_is_refused(
        mserver_factory: Callable[..., MServerEmulator], assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=10)
    codes = sorted({card.code for card in ms.stock_cards()})
    order = next(o for o, _k in (generate(random.Random(n), 0, codes) for n in range(60)) if o.currency == "CZK")
    invoice = map_invoice(order, OPTS, issued=INVOICED, due_days=14)
    assert invoice.doc is not None
    _send(ms, [invoice_item(invoice.doc)], assert_valid_datapack)
    number = ms.issued_invoices()[0].number
    refund = ShopRefund(2, order.id, Decimal("10.00"), "", datetime(2026, 5, 6, tzinfo=UTC))
    eur = replace(order, currency="EUR")
    credit = map_credit_note(refund, eur, OPTS, CreditOptions(), issued=INVOICED, invoice_number=number)
    assert credit.doc is not None and credit.doc.currency == "EUR"
    (result,) = _send(ms, [credit_note_item(credit.doc)], assert_valid_datapack)
    assert result.state == "error" and "Měna dobropisu (EUR)" in result.note


@pytest.mark.parametrize("mode", ["linked", "standalone"])
def test_refunds_of_an_oss_eur_order_end_to_end_and_its_cancellation(env: Env, mode: str) -> None:
    env.settings = replace(env.settings, vat=VatSettings(oss=True),
                           invoices=replace(env.settings.invoices, mode=mode))
    pools = sku_pools(env)
    order = env.woo.add_order([(pools["single"][0], 3), (pools["single"][1], 1)], status="completed",
                              currency="EUR", payment_method="cod",
                              billing={"first_name": "Ján", "last_name": "Kováč", "country": "SK",
                                       "address_1": "Hlavná 1", "city": "Bratislava", "postcode": "811 01"})
    assert env.run("orders").status == "ok" and env.run("invoices").status == "ok"
    (invoice,) = env.ms.issued_invoices()
    assert env.ms.document_vat("invoice", invoice.number)["moss"] == "SK"
    line = order["line_items"][0]
    net, tax = Decimal(line["total"]) / 3, Decimal(line["total_tax"]) / 3
    first = env.woo.add_refund(order["id"], reason="Rozbité", line_items=[
        {"id": line["id"], "quantity": 1, "refund_total": f"{net:.2f}",
         "refund_tax": [{"id": line["taxes"][0]["id"], "refund_total": f"{tax:.2f}"}]}])
    preview = env.run("refunds", dry_run=True)
    (row,) = preview.report_dict()["náhled"]
    assert row["XML"] == "platné" and env.ms.credit_notes() == []
    assert row["režim DPH"].startswith("OSS SK: spotřebitel v SK")
    assert row["sazby"].startswith(line["name"] + ": sazba základní — sazba e-shopu 21 % není sazbou SK"), row["sazby"]
    run = env.run("refunds")
    assert run.status == "ok", run.message
    (note,) = env.ms.credit_notes()
    assert note.currency == "EUR" and note.total_foreign == -Decimal(first["amount"])
    vat = env.ms.document_vat("credit", note.number)
    assert vat is not None and vat["moss"] == "SK" and set(vat["summary"]) <= {"23", "19", "5", "0"}
    sent = ledger.get_entry("refunds", str(first["id"]))
    assert sent is not None and sent.sent_xml is not None
    assert "<inv:MOSS><typ:ids>SK</typ:ids></inv:MOSS>" in sent.sent_xml and "<typ:rate>25</typ:rate>" in sent.sent_xml
    left = Decimal(env.woo.order(order["id"])["total"]) - Decimal(first["amount"])
    rest = env.woo.add_refund(order["id"], amount=f"{left:.2f}", reason="Zrušeno")
    env.woo.set_order_status(order["id"], "cancelled")
    run = env.run("refunds")
    assert run.status == "ok", run.message
    notes = env.ms.credit_notes()
    assert len(notes) == 2 and notes[1].total_foreign == -Decimal(rest["amount"])
    assert sum((n.total_foreign or Decimal(0) for n in notes), Decimal(0)) == -Decimal(order["total"])
    assert env.ms.document_vat("credit", notes[1].number)["moss"] == "SK"
    cancelled = ledger.get_entry("cancels", str(order["id"]))
    assert cancelled is not None and cancelled.state == "ok", cancelled and cancelled.error
    assert env.run("refunds").ok_count == 0 and len(env.ms.credit_notes()) == 2


def test_the_credit_note_takes_the_rate_and_tax_date_of_the_invoice_it_corrects() -> None:
    from types import SimpleNamespace

    from adapter.pohoda.orders import order_item
    from adapter.sync.orders.mapping import map_order
    from adapter.sync.refunds.invoice_facts import invoice_facts

    order = next(o for o, k in (generate(random.Random(n), 1, ["A"]) for n in range(200))
                 if k == "oss" and o.currency == "EUR")
    standalone = map_invoice(order, replace(OPTS, currency_rates={"EUR": "24.80"}), issued=INVOICED, due_days=14)
    assert standalone.doc is not None
    text = build_pack([invoice_item(standalone.doc)], ico="12345678", pack_id="f").xml.decode("cp1250")
    row = SimpleNamespace(state="ok", pohoda_number="26FV1", sent_xml=text, eshop_data='{"total": "12.30"}')
    facts = invoice_facts(row, None)  # type: ignore[arg-type]
    assert facts == type(facts)("26FV1", Decimal("12.30"), (Decimal("24.80"), 1), INVOICED)
    received = map_order(order, {li.sku: li.sku for li in order.lines if li.sku}, OPTS)
    assert received.doc is not None
    order_xml = build_pack([order_item(received.doc)], ico="12345678", pack_id="o").xml.decode("cp1250")
    linked = map_invoice(order, OPTS, issued=INVOICED, due_days=14, link_number="26PO1")
    assert linked.doc is not None
    row.sent_xml = build_pack([invoice_item(linked.doc)], ico="12345678", pack_id="l").xml.decode("cp1250")
    facts = invoice_facts(row, SimpleNamespace(sent_xml=order_xml))  # type: ignore[arg-type]
    assert facts.rate == (Decimal("24.35"), 1) and facts.tax_date == INVOICED
    refund = ShopRefund(3, order.id, Decimal("1.00"), "", datetime(2026, 8, 1, tzinfo=UTC))
    credit = map_credit_note(refund, order, OPTS, CreditOptions(), issued=date(2026, 8, 1), invoice_number="26FV1",
                             invoice_rate=(Decimal("24.80"), 1), invoice_date=INVOICED)
    assert credit.doc is not None and credit.doc.rate == Decimal("24.80") and credit.doc.oss_correction
    assert invoice_facts(None, None).number == "" and invoice_facts(replace_state(row), None).number == ""


def replace_state(row: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(**{**vars(row), "state": "held"})

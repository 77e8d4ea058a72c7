"""1,000 generated EU and foreign orders: regime as expected, XSD-valid, totals equal to the shop's to the haléř.

Customers from CZ/SK/DE/AT/PL/HU/US, consumers and businesses, in CZK and
EUR, with coupons, shipping and COD fees; taxed the way a WooCommerce shop
with OSS taxes them (the customer country's rates for EU consumers, 0 % for
EU businesses with a VAT id and for export, now and then the Czech rates of a
shop that does not apply OSS yet). Each order is mapped, checked against an
independent computation of POHODA's rule and sent to the mServer emulator,
which rebuilds the totals and the VAT summary with its own rate table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from adapter.emulators.mserver import MServerEmulator
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack, parse_response
from adapter.pohoda.invoices import invoice_item
from adapter.pohoda.orders import order_item
from adapter.records import Address, Order, OrderLine
from adapter.sync.invoices.mapping import map_invoice
from adapter.sync.orders.mapping import MappingOptions, map_order
from adapter.sync.vat.regime import VatPolicy

C = Decimal("0.01")
COUNTRY_RATES = {"CZ": ("21", "12"), "SK": ("23", "19", "5"), "DE": ("19", "7"), "AT": ("20", "13", "10"),
                 "PL": ("23", "8", "5"), "HU": ("27", "18", "5"), "US": ()}
VAT_IDS = {"CZ": "CZ12345678", "SK": "SK2020123456", "DE": "DE123456789", "AT": "ATU12345678",
           "PL": "PL1234567890", "HU": "HU12345678", "US": "98-7654321"}
OPTS = MappingOptions(currency_rates={"EUR": "24.35"}, vat=VatPolicy(oss=True))


def m(v: Decimal) -> Decimal:
    return v.quantize(C, rounding=ROUND_HALF_UP)


def expected_kind(country: str, business: bool) -> str:
    if country == "CZ":
        return "domestic"
    if country == "US":
        return "export"
    return "reverse_charge" if business else "oss"


def shop_rates(country: str, business: bool, rng: random.Random) -> list[Decimal]:
    kind = expected_kind(country, business)
    if kind in ("reverse_charge", "export"):
        return [Decimal(0)]
    if kind == "oss" and rng.random() < 0.1:
        return [Decimal(21), Decimal(12)]  # a shop not applying OSS yet: Czech rates, POHODA gets the country's
    return [Decimal(r) for r in COUNTRY_RATES[country]] + [Decimal(0)]


def _items(rng: random.Random, n: int, codes: list[str], rates: list[Decimal], incl: bool) -> list[list[Any]]:
    items = []
    for k in range(rng.randint(1, 5)):
        rate = rng.choice(rates)
        q = Decimal(rng.randint(1, 9))
        price = Decimal(rng.randint(1, 300_000)) / 100
        if incl:
            gross = q * price
            tax = m(gross * rate / (100 + rate))
            net = gross - tax
        else:
            net = q * price
            tax = m(net * rate / 100)
        items.append([codes[(n * 7 + k) % len(codes)], q, rate, net, tax])
    return items


def _unit(amount: Decimal, q: Decimal) -> Decimal:
    return (amount / q).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _product_lines(rng: random.Random, items: list[list[Any]], incl: bool) -> list[OrderLine]:
    coupon = rng.choice([None, Decimal(5), Decimal(10), Decimal(33)])
    lines: list[OrderLine] = []
    offs: dict[Decimal, list[Decimal]] = {}
    for idx, (sku, q, rate, net, tax) in enumerate(items):
        share = m((net + tax) * coupon / 100) if coupon else Decimal(0)
        if incl:
            t_tax = m((net + tax - share) * rate / (100 + rate))
            t_net = net + tax - share - t_tax
        else:
            t_net = net - m(share * 100 / (100 + rate))
            t_tax = m(t_net * rate / 100)
        lines.append(OrderLine(kind="product", name=f"Zboží {idx}", quantity=q, unit_price=_unit(net, q),
                               unit_price_incl=_unit(net + tax, q), total=t_net, total_tax=t_tax, tax_rate=rate,
                               product_id=100 + idx, sku=sku))
        off = offs.setdefault(rate, [Decimal(0), Decimal(0)])
        off[0] += net - t_net
        off[1] += tax - t_tax
    for rate, (off, off_tax) in sorted(offs.items()):
        if off or off_tax:
            lines.append(OrderLine(kind="discount", name=f"Sleva ({rate} %)", quantity=Decimal(1), unit_price=-off,
                                   unit_price_incl=-(off + off_tax), total=-off, total_tax=-off_tax, tax_rate=rate))
    return lines


def _charge(kind: str, name: str, net: Decimal, rate: Decimal) -> OrderLine:
    tax = m(net * rate / 100)
    return OrderLine(kind=kind, name=name, quantity=Decimal(1), unit_price=net,  # type: ignore[arg-type]
                     unit_price_incl=net + tax, total=net, total_tax=tax, tax_rate=rate if net else Decimal(0))


def generate(rng: random.Random, n: int, codes: list[str]) -> tuple[Order, str]:
    """One order as WooCommerce computes it, and the regime it must get."""
    country = ["CZ", "SK", "DE", "AT", "PL", "HU", "US"][n % 7]
    business = rng.random() < 0.35
    currency = "CZK" if country == "CZ" or rng.random() < 0.3 else "EUR"
    incl = rng.random() < 0.7
    rates = shop_rates(country, business, rng)
    lines = _product_lines(rng, _items(rng, n, codes, rates, incl), incl)
    standard = max(rates)
    lines.append(_charge("shipping", "PPL", Decimal(rng.choice([0, 4990, 8900, 12000])) / 100, standard))
    if rng.random() < 0.3:
        lines.append(_charge("fee", "Dobírka", Decimal(rng.randint(100, 5_000)) / 100, standard))
    total = sum((line.total + line.total_tax for line in lines if line.kind != "discount"), Decimal(0))
    moment = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    billing = Address(company="Firma s.r.o." if business else "", name="Zákazník", street="Hlavná 1", city="Město",
                      zip="123 45", country=country, dic=VAT_IDS[country] if business else "")
    order = Order(id=50_000 + n, number=f"EU{50_000 + n}", status="completed", currency=currency, created=moment,
                  modified=moment, total=total, total_tax=sum((li.total_tax for li in lines), Decimal(0)),
                  prices_include_tax=incl, lines=tuple(lines), billing=billing, shipping=Address(),
                  payment_method="cod", meta=(("_customer_ip_country", country),))
    return order, expected_kind(country, business)


def _send(ms: MServerEmulator, items: list[Any], assert_valid_datapack: Callable[[bytes], None]) -> None:
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        for start in range(0, len(items), 250):
            pack = build_pack(items[start:start + 250], ico="12345678", pack_id=f"eu-{start}")
            assert_valid_datapack(pack.xml)
            result = parse_response(client.post(pack.xml, write=True))
            errors = [i.note for i in result.items if i.state == "error"]
            assert not errors, errors[:3]


def _check_mapped(order: Order, kind: str) -> Any:
    mapped = map_order(order, {line.sku: line.sku for line in order.lines if line.sku}, OPTS)
    assert mapped.ok, (order.id, mapped.reason())
    assert mapped.regime is not None and mapped.regime.kind == kind, (order.id, mapped.regime)
    assert mapped.doc is not None
    assert sum((m(li.quantity * li.unit_price) for li in mapped.doc.lines), Decimal(0)) == order.total
    if kind == "oss":
        assert mapped.doc.vat is not None and mapped.doc.vat.moss_country == order.billing.country
        assert mapped.doc.vat.evidence == ("A", "B") and mapped.doc.vat.accounting_period == "Q2/2026"
    elif kind in ("reverse_charge", "export"):
        assert all(li.vat_rate == "none" for li in mapped.doc.lines)
    return mapped


@pytest.mark.slow
def test_1000_generated_eu_orders_and_200_invoices(mserver_factory: Callable[..., MServerEmulator],
                                                   assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=150)
    counts: dict[str, int] = {}
    for card in ms.stock_cards():
        counts[card.code] = counts.get(card.code, 0) + 1
    codes = sorted(c for c, k in counts.items() if k == 1)
    rng = random.Random(20260504)
    orders = [generate(rng, n, codes) for n in range(1000)]
    assert {kind for _o, kind in orders} == {"domestic", "oss", "reverse_charge", "export"}
    docs = [_check_mapped(order, kind).doc for order, kind in orders]
    _send(ms, [order_item(d) for d in docs], assert_valid_datapack)
    stored = {o.ext_id: o for o in ms.received_orders()}
    for order, kind in orders:
        got = stored[str(order.id)]
        assert (got.total_foreign if order.currency == "EUR" else got.total) == order.total, order.id
        vat = ms.document_vat("order", got.number)
        assert vat is not None and vat["moss"] == (order.billing.country if kind == "oss" else "")
        allowed = set(COUNTRY_RATES[order.billing.country if kind == "oss" else "CZ"]) | {"0"}
        assert set(vat["summary"]) <= allowed, (order.id, vat["summary"])
    invoices = [map_invoice(order, OPTS, issued=date(2026, 5, 5), due_days=14) for order, _k in orders[:200]]
    assert all(inv.doc is not None and inv.doc_total == inv.shop_total for inv in invoices)
    _send(ms, [invoice_item(inv.doc) for inv in invoices if inv.doc is not None], assert_valid_datapack)
    by_ext = {i.ext_id: i for i in ms.issued_invoices()}
    for (order, kind), _inv in zip(orders[:200], invoices, strict=True):
        got = by_ext[str(order.id)]
        assert (got.total_foreign if order.currency == "EUR" else got.total) == order.total, order.id
        vat = ms.document_vat("invoice", got.number)
        expected = {"reverse_charge": "UDdodEU", "export": "UDvyvoz"}.get(kind, "")
        assert vat is not None and vat["classification"] == expected


def test_linked_invoice_inherits_the_oss_country(mserver_factory: Callable[..., MServerEmulator],
                                                 assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=20)
    codes = sorted({card.code for card in ms.stock_cards()})
    order, kind = next(o for o in (generate(random.Random(n), 1, codes) for n in range(50)) if o[1] == "oss")
    mapped = _check_mapped(order, kind)
    _send(ms, [order_item(mapped.doc)], assert_valid_datapack)
    number = ms.received_orders()[0].number
    linked = map_invoice(order, OPTS, issued=date(2026, 5, 5), due_days=14, link_number=number)
    assert linked.doc is not None
    _send(ms, [invoice_item(linked.doc)], assert_valid_datapack)
    invoice = ms.issued_invoices()[0]
    assert invoice.total == ms.received_orders()[0].total
    vat = ms.document_vat("invoice", invoice.number)
    assert vat is not None and vat["moss"] == "SK" and vat["period"] == "Q2/2026"


def test_emulator_refuses_a_rate_the_oss_country_lacks(mserver_factory: Callable[..., MServerEmulator]) -> None:
    ms = mserver_factory(seed_stock=5)
    codes = sorted({card.code for card in ms.stock_cards()})
    order, _kind = next(o for o in (generate(random.Random(n), 2, codes) for n in range(50)) if o[1] == "oss")
    from dataclasses import replace

    from adapter.records import DocVat

    mapped = _check_mapped(order, "oss")
    doc = replace(mapped.doc, vat=DocVat(moss_country="DK", accounting_period="Q2/2026"),
                  lines=tuple(replace(li, vat_rate="low") for li in mapped.doc.lines))
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        result = parse_response(client.post(build_pack([order_item(doc)], ico="12345678", pack_id="dk").xml, write=True))
    assert result.items[0].state == "error" and "Sazba DPH 'low'" in result.items[0].note
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        home = replace(mapped.doc, vat=DocVat(moss_country="CZ"))
        result = parse_response(client.post(build_pack([order_item(home)], ico="12345678", pack_id="cz").xml, write=True))
    assert result.items[0].state == "error" and "OSS" in result.items[0].note

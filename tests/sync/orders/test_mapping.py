"""Order mapping: the POHODA document total equals the e-shop total to the haléř — over 1,000 generated orders.

Orders are generated as WooCommerce computes them (prices with or without
tax, 21/12/0 % rates, percent and fixed coupons, free or paid shipping, fees,
foreign currency). Each is mapped, then checked twice: by an independent
computation of POHODA's rule (each line ``round(quantity × unit price, 2)``,
the total their sum) and by the mServer emulator, which computes its own
totals from the imported XML.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from adapter.emulators.mserver import MServerEmulator
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack, parse_response
from adapter.pohoda.orders import order_item
from adapter.records import Address, Order, OrderLine
from adapter.sync.documents import payload_hash
from adapter.sync.invoices.mapping import map_invoice
from adapter.sync.orders.mapping import (
    ROUNDING_TEXT,
    MappingOptions,
    map_order,
    parse_rate,
    rate_key,
    symbol_variable,
)

C = Decimal("0.01")
Q4 = Decimal("0.0001")


def m(v: Decimal) -> Decimal:
    return v.quantize(C, rounding=ROUND_HALF_UP)


def per_unit(amount: Decimal, q: Decimal) -> Decimal:
    value = (amount / q).quantize(Q4, rounding=ROUND_HALF_UP)
    return value.quantize(C) if value == value.quantize(C) else value


def generate(rng: random.Random, n: int, codes: list[str]) -> Order:
    """One order computed the way WooCommerce does it."""
    incl = rng.random() < 0.7
    currency = "EUR" if n % 11 == 5 else "CZK"
    rates = [Decimal(21), Decimal(12), Decimal(0)]
    items = []
    for k in range(rng.randint(1, 6)):
        rate = rng.choice(rates)
        q = Decimal(rng.randint(1, 12))
        price = Decimal(rng.randint(1, 500_000)) / 100
        if incl:
            gross = q * price
            tax = m(gross * rate / (100 + rate))
            net = gross - tax
        else:
            net = q * price
            tax = m(net * rate / 100)
        items.append([codes[(n * 7 + k) % len(codes)], q, rate, net, tax])
    coupon = rng.choice([None, None, ("percent", Decimal(rng.choice([5, 10, 15, 33]))),
                         ("fixed", Decimal(rng.randint(10, 400)))])
    base = sum((i[3] + i[4] for i in items), Decimal(0))
    lines: list[OrderLine] = []
    offs: dict[Decimal, list[Decimal]] = {}
    spent = Decimal(0)
    for idx, (sku, q, rate, net, tax) in enumerate(items):
        gross = net + tax
        share = Decimal(0)
        if coupon and coupon[0] == "percent":
            share = m(gross * coupon[1] / 100)
        elif coupon and coupon[0] == "fixed":
            cap = min(coupon[1], base)
            share = cap - spent if idx == len(items) - 1 else m(cap * gross / base) if base else Decimal(0)
            spent += share
        if incl:
            total_gross = gross - share
            t_tax = m(total_gross * rate / (100 + rate))
            t_net = total_gross - t_tax
        else:
            share_net = m(share * 100 / (100 + rate))
            t_net = net - share_net
            t_tax = m(t_net * rate / 100)
        lines.append(OrderLine(kind="product", name=f"Zboží {idx} – žluťoučký kůň 😀", quantity=q,
                               unit_price=per_unit(net, q), unit_price_incl=per_unit(net + tax, q), total=t_net,
                               total_tax=t_tax, tax_rate=rate, product_id=100 + idx, sku=sku))
        off = offs.setdefault(rate, [Decimal(0), Decimal(0)])
        off[0] += net - t_net
        off[1] += tax - t_tax
    for rate, (off, off_tax) in sorted(offs.items()):
        if off or off_tax:
            lines.append(OrderLine(kind="discount", name=f"Sleva ({rate} %)", quantity=Decimal(1), unit_price=-off,
                                   unit_price_incl=-(off + off_tax), total=-off, total_tax=-off_tax, tax_rate=rate))
    ship_net = Decimal(0) if rng.random() < 0.3 else Decimal(rng.randint(0, 20_000)) / 100
    ship_tax = m(ship_net * Decimal("0.21"))
    lines.append(OrderLine(kind="shipping", name="Doprava zdarma" if not ship_net else "PPL", quantity=Decimal(1),
                           unit_price=ship_net, unit_price_incl=ship_net + ship_tax, total=ship_net,
                           total_tax=ship_tax, tax_rate=Decimal(21) if ship_net else Decimal(0),
                           method_id="free_shipping" if not ship_net else "flat_rate"))
    if rng.random() < 0.3:
        fee = Decimal(rng.randint(100, 9_000)) / 100
        fee_tax = m(fee * Decimal("0.21"))
        lines.append(OrderLine(kind="fee", name="Dobírka", quantity=Decimal(1), unit_price=fee,
                               unit_price_incl=fee + fee_tax, total=fee, total_tax=fee_tax, tax_rate=Decimal(21)))
    total = sum((line.total + line.total_tax for line in lines if line.kind != "discount"), Decimal(0))
    moment = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    return Order(id=10_000 + n, number=f"E{10_000 + n}", status="completed", currency=currency, created=moment,
                 modified=moment, total=total, total_tax=sum((line.total_tax for line in lines if line.kind != "discount"),
                                                              Decimal(0)),
                 prices_include_tax=incl, lines=tuple(lines),
                 billing=Address(name="Jan Novák", street="Dlouhá 1", city="Praha", zip="110 00", country="CZ"),
                 shipping=Address(), payment_method="bacs")


def pohoda_total(doc_lines: tuple) -> Decimal:
    """POHODA's rule, computed here independently of the adapter."""
    return sum((m(line.quantity * line.unit_price) for line in doc_lines), Decimal(0))


OPTS = MappingOptions(currency_rates={"EUR": "25.125"})


def test_rate_helpers() -> None:
    assert rate_key(Decimal("21.0")) == "21" and rate_key(Decimal("0")) == "0" and rate_key(Decimal("5.50")) == "5.5"
    assert parse_rate("25,30") == (Decimal("25.30"), 1) and parse_rate("6.45/100") == (Decimal("6.45"), 100)
    assert parse_rate("") is None and parse_rate("x") is None and parse_rate("-1") is None
    assert symbol_variable("EO-2025/0042") == "20250042"


@pytest.mark.slow
def test_1000_generated_orders_total_equals_shop_total_to_the_haler(
    mserver_factory: Callable[..., MServerEmulator], assert_valid_datapack
) -> None:
    ms = mserver_factory(seed_stock=150)
    counts: dict[str, int] = {}
    for card in ms.stock_cards():
        counts[card.code] = counts.get(card.code, 0) + 1
    codes = sorted(c for c, n in counts.items() if n == 1)
    rng = random.Random(20250301)
    orders = [generate(rng, n, codes) for n in range(1000)]
    docs = []
    rounded = 0
    for order in orders:
        mapped = map_order(order, {line.sku: line.sku for line in order.lines if line.sku}, OPTS)
        assert mapped.ok, (order.id, mapped.reason())
        assert mapped.doc is not None
        assert pohoda_total(mapped.doc.lines) == order.total, order.id
        assert mapped.doc_total == order.total
        rounding = [line for line in mapped.doc.lines if line.text == ROUNDING_TEXT]
        assert len(rounding) <= 1
        if rounding:
            rounded += 1
            assert abs(rounding[0].unit_price) < 1 and rounding[0].vat_rate == "none"
        assert all(line.unit_price == m(line.unit_price) for line in mapped.doc.lines)
        docs.append(mapped.doc)
    assert 0 < rounded < len(orders)  # the generator does exercise rounding, and not everywhere
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        for start in range(0, len(docs), 250):
            pack = build_pack([order_item(d) for d in docs[start : start + 250]], ico="12345678",
                              pack_id=f"t-{start}")
            if start == 0:
                assert_valid_datapack(pack.xml)
            result = parse_response(client.post(pack.xml, write=True))
            assert all(i.state != "error" for i in result.items), [i.note for i in result.items if i.state == "error"][:3]
    stored = {o.ext_id: o for o in ms.received_orders()}
    assert len(stored) == len(orders)
    for order in orders:
        got = stored[str(order.id)]
        if order.currency == "EUR":
            assert got.total_foreign == order.total, order.id
        else:
            assert got.total == order.total, order.id


def test_hash_ignores_status_and_meta_but_not_content() -> None:
    order = generate(random.Random(1), 1, ["A"])
    from dataclasses import replace

    assert payload_hash(order) == payload_hash(replace(order, status="processing", meta=(("_pohoda_number", "1"),)))
    assert payload_hash(order) != payload_hash(replace(order, customer_note="jinak"))


def test_total_gap_beyond_rounding_holds_and_unpaired_sku_is_named() -> None:
    from dataclasses import replace

    order = generate(random.Random(2), 2, ["A"])
    mapped = map_order(replace(order, total=order.total + 50), {"A": "A"}, OPTS)
    assert not mapped.ok and mapped.problems[0].kind == "total" and "rozdíl" in mapped.reason()
    mapped = map_order(order, {}, OPTS)
    assert mapped.blocking_skus == ("A",)


def test_invoice_linked_and_standalone() -> None:
    from datetime import date

    order = generate(random.Random(3), 3, ["A"])
    linked = map_invoice(order, OPTS, issued=date(2025, 3, 2), due_days=14, link_number="25OP00001", link_id=7)
    assert linked.doc is not None and linked.doc.link_order_number == "25OP00001" and not linked.doc.lines
    assert linked.doc.date_due == date(2025, 3, 16) and linked.doc.symbol_variable == "10003"
    alone = map_invoice(order, OPTS, issued=date(2025, 3, 2), due_days=14)
    assert alone.doc is not None and all(line.stock_code is None for line in alone.doc.lines)
    assert pohoda_total(alone.doc.lines) == order.total

"""Advance → payment → final invoice for 120 generated EU orders in CZK and EUR, in the mServer emulator.

Every advance and final invoice XSD-valid; the advance's total equals the
shop's (in the document currency); the final invoice deducts it whole, so
nothing is left to pay; OSS orders keep their country on the advance.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from adapter.emulators.mserver import MServerEmulator
from adapter.pohoda.invoices import invoice_item
from adapter.sync.advances.mapping import advance_key, map_advance, rate_percents, with_deduction
from adapter.sync.invoices.mapping import map_invoice
from tests.sync.vat.test_generated import OPTS, _send, generate


def test_120_advance_chains_in_czk_and_eur(mserver_factory: Callable[..., MServerEmulator],
                                           assert_valid_datapack: Callable[[bytes], None]) -> None:
    ms = mserver_factory(seed_stock=60)
    codes = sorted({card.code for card in ms.stock_cards()})
    rng = random.Random(4242)
    orders = [generate(rng, n, codes) for n in range(120)]
    advances = [map_advance(o, OPTS, issued=date(2026, 5, 4), due_days=7) for o, _k in orders]
    assert all(a.doc is not None and a.doc.invoice_type == "issuedAdvanceInvoice" for a in advances)
    _send(ms, [invoice_item(a.doc) for a in advances if a.doc is not None], assert_valid_datapack)
    listed = {i.ext_id: i for i in ms.issued_invoices()}
    for order, kind in orders:
        advance = listed[advance_key(order.id)]
        assert (advance.total_foreign if order.currency == "EUR" else advance.total) == order.total, order.id
        vat = ms.document_vat("invoice", advance.number)
        assert vat is not None and vat["moss"] == (order.billing.country if kind == "oss" else "")
        assert vat["classification"] == ""  # an advance invoice is not a tax document
        ms.mark_paid(advance.number)
    finals = []
    for order, _kind in orders:
        mapped = map_invoice(order, OPTS, issued=date(2026, 5, 6), due_days=14)
        assert mapped.doc is not None
        finals.append(with_deduction(mapped.doc, listed[advance_key(order.id)].number, order.total,
                                     tax_document=False))
    _send(ms, [invoice_item(doc) for doc in finals], assert_valid_datapack)
    listed = {i.ext_id: i for i in ms.issued_invoices()}
    for order, _kind in orders:
        final = ms.advance_state(listed[str(order.id)].number)
        advance = ms.advance_state(listed[advance_key(order.id)].number)
        assert final is not None and advance is not None
        assert final["to_pay"] == 0 and (final["total_foreign"] or final["total"]) == 0, (order.id, final)
        assert advance["deducted"] == order.total, (order.id, advance)


def test_120_tax_document_chains_in_czk_and_eur(mserver_factory: Callable[..., MServerEmulator],
                                                assert_valid_datapack: Callable[[bytes], None]) -> None:
    """With ``[advances] tax_document``: advance → payment → tax document → final invoice deducting the tax document."""
    from adapter.pohoda.advances import tax_document_item
    from adapter.pohoda.answers import split_items
    from adapter.pohoda.client import MServerClient
    from adapter.pohoda.envelope import build_pack
    from adapter.pohoda.invoices import list_invoices_request
    from adapter.sync.advances.tax_documents import map_tax_document, parse_liquidations, tax_key
    from tests.sync.vat.test_generated import COUNTRY_RATES

    ms = mserver_factory(seed_stock=60)
    codes = sorted({card.code for card in ms.stock_cards()})
    orders = [generate(random.Random(77), n, codes) for n in range(120)]
    advances = [map_advance(o, OPTS, issued=date(2026, 5, 4), due_days=7).doc for o, _k in orders]
    _send(ms, [invoice_item(a) for a in advances if a is not None], assert_valid_datapack)
    numbers = {i.ext_id: i.number for i in ms.issued_invoices()}
    for number in numbers.values():
        ms.mark_paid(number, on=date(2026, 5, 6))
    request = list_invoices_request(numbers=list(numbers.values()), liquidations=True,
                                    invoice_type="issuedAdvanceInvoice")
    with MServerClient(ms.url, "admin", "heslo", "12345678") as client:
        answer = client.post(build_pack([request], ico="12345678", pack_id="l").xml, write=False)
    paid = parse_liquidations(split_items(answer)[request.id][0])
    docs = [map_tax_document(o, OPTS, numbers[advance_key(o.id)], paid[numbers[advance_key(o.id)]]) for o, _k in orders]
    assert all(not isinstance(d, str) for d in docs), [d for d in docs if isinstance(d, str)][:3]
    _send(ms, [tax_document_item(d) for d in docs if not isinstance(d, str)], assert_valid_datapack)
    taxed = {d.ext_id: d for d in ms.tax_documents()}
    finals = []
    for order, kind in orders:
        doc = taxed[tax_key(order.id)]
        assert (doc.total_foreign if order.currency == "EUR" else doc.total) == order.total, order.id
        assert set(doc.summary) <= set(COUNTRY_RATES[order.billing.country if kind == "oss" else "CZ"]) | {"0"}
        mapped = map_invoice(order, OPTS, issued=date(2026, 5, 8), due_days=14)
        assert mapped.doc is not None
        finals.append(with_deduction(mapped.doc, doc.number, order.total, tax_document=True,
                                     percents=rate_percents(order, OPTS)))
    _send(ms, [invoice_item(doc) for doc in finals], assert_valid_datapack)
    listed = {i.ext_id: i for i in ms.issued_invoices()}
    for order, _kind in orders:
        final = ms.advance_state(listed[str(order.id)].number)
        advance = ms.advance_state(numbers[advance_key(order.id)])
        assert final is not None and advance is not None
        assert final["to_pay"] == 0 and (final["total_foreign"] or final["total"]) == 0, (order.id, final)
        assert advance["deducted"] == order.total, (order.id, advance)

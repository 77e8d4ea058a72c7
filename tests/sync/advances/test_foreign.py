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
from adapter.sync.advances.mapping import advance_key, map_advance, with_deduction
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

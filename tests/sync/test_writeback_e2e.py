"""End to end on both emulators and a loopback SMTP server: 100 transferred orders, 60 executed,
40 invoiced, 20 with a tracking number → exactly those shop orders change, once; each invoice PDF
is mailed once."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from adapter import ledger
from adapter.config import DocumentsSettings, StatesSettings
from adapter.mail import MailSettings
from tests.fixtures_mail import SmtpServer
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)

pytestmark = pytest.mark.slow


def test_hundred_orders(env: Env, smtp_server: SmtpServer) -> None:
    env.with_orders(transfer_statuses=("processing",), batch_size=50)
    env.settings = replace(
        env.settings,
        states=StatesSettings(enabled=True, status_map={"executed": "completed"}, tracking_field="param:Zasilka",
                              tracking_url={"*": "https://sledovani.example/{number}"}),
        documents=DocumentsSettings(enabled=True, report=2),
        mail=MailSettings(host=smtp_server.host, port=smtp_server.port, security="none", sender="f@obchod.cz"))
    single = sku_pools(env)["single"]
    orders = [env.woo.add_order([(single[n % len(single)], 1)], status="processing",
                                billing={"first_name": "Eva", "last_name": f"Zákaznice {n}", "email": f"z{n}@example.cz"})
              for n in range(100)]
    assert env.run("orders").ok_count == 100
    number = {o["id"]: ledger.get_entry("orders", str(o["id"])).pohoda_number for o in orders}
    invoices = {}
    for n, order in enumerate(orders[:60]):
        if n < 40:
            invoices[order["id"]] = env.ms.invoice_order(number[order["id"]])["number"]
        else:
            env.ms.set_order_state(number[order["id"]], executed=True)
        if 10 <= n < 30:
            env.ms.set_order_state(number[order["id"]], carrier="PPL", fields={"param:Zasilka": f"Z{n:04d}"})
    run = env.run("states")
    assert (run.ok_count, run.error_count) == (60, 0), run.message
    docs = env.run("documents")
    assert (docs.ok_count, docs.error_count) == (40, 0), docs.message
    for n, order in enumerate(orders):
        shop = env.woo.order(order["id"])
        meta = {m["key"]: m["value"] for m in shop["meta_data"]}
        notes = [x["note"] for x in env.woo.notes(order["id"]) if x["note"].startswith("POHODA:")]
        if n < 60:
            assert shop["status"] == "completed" and meta["_pohoda_state"] == "executed" and len(notes) == 1
            assert meta.get("_pohoda_invoice_number") == invoices.get(order["id"])
            if 10 <= n < 30:
                assert meta["_pohoda_tracking_number"] == f"Z{n:04d}"
                assert f"https://sledovani.example/Z{n:04d}" in notes[0]
            else:
                assert "_pohoda_tracking_number" not in meta
        else:
            assert shop["status"] == "processing" and "_pohoda_state" not in meta and notes == []
    received = smtp_server.messages
    assert sorted(str(m["To"]) for m in received) == sorted(f"z{n}@example.cz" for n in range(40))
    for msg in received[:3]:
        (pdf,) = list(msg.iter_attachments())
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_content())).pages)
        assert str(msg["Subject"]).split()[1] in text
    # once: nothing more on the next runs, also in full
    assert env.run("states").ok_count == 0
    assert env.run("states", full=True).ok_count == 0
    assert env.run("documents").ok_count == 0
    assert env.run("documents", full=True).ok_count == 0
    assert len(smtp_server.messages) == 40

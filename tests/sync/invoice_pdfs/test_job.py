"""Documents job: invoice PDFs printed by the mServer emulator, kept, mailed once to a real loopback SMTP server."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader

from adapter import ledger
from adapter.config import DocumentsSettings
from adapter.ledger import pdfs as rows
from adapter.mail import MailSettings
from adapter.sync.invoice_pdfs import steps, store
from tests.fixtures_mail import SmtpServer
from tests.fixtures_mail import _free_port as free_port
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)


def configure(env: Env, smtp: SmtpServer, **docs: Any) -> None:
    env.settings = replace(
        env.settings,
        mail=MailSettings(host=smtp.host, port=smtp.port, security="none", sender="faktury@obchod.cz"),
        documents=DocumentsSettings(**{"enabled": True, "report": 1, **docs}))


def invoiced(env: Env, count: int, **billing: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    single = sku_pools(env)["single"]
    orders = []
    for n in range(count):
        fields = {"billing": {"first_name": "Jana", "last_name": f"Nováková {n}", "email": f"k{n}@example.cz",
                              "country": "CZ", **billing}}
        orders.append(env.woo.add_order([(single[n], 1)], status="completed", **fields))
    assert env.run("orders").ok_count == count
    out = []
    for order in orders:
        entry = ledger.get_entry("orders", str(order["id"]))
        assert entry is not None
        out.append((order, env.ms.invoice_order(entry.pohoda_number)))
    return out


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_each_invoice_is_printed_kept_and_mailed_once(env: Env, smtp_server: SmtpServer) -> None:
    configure(env, smtp_server)
    pairs = invoiced(env, 3)
    run = env.run("documents")
    assert (run.status, run.ok_count, run.error_count) == ("ok", 3, 0), run.message
    messages = smtp_server.messages
    assert len(messages) == 3
    by_to = {str(m["To"]): m for m in messages}
    for n, (order, invoice) in enumerate(pairs):
        msg = by_to[f"k{n}@example.cz"]
        assert str(msg["Subject"]) == f"Faktura {invoice['number']} k objednávce {order['number']}"
        (attachment,) = list(msg.iter_attachments())
        assert attachment.get_filename() == f"{invoice['number']}.pdf"
        assert invoice["number"] in pdf_text(attachment.get_content())
        entry = ledger.get_entry("documents", str(invoice["id"]))
        assert entry is not None and entry.state == "ok"
        kept = store.load(env.data_dir, entry.details_value()["path"])
        assert kept is not None and invoice["number"] in pdf_text(kept)
        notes = [x["note"] for x in env.woo.notes(order["id"]) if "odeslána zákazníkovi" in x["note"]]
        assert notes == [f"Faktura {invoice['number']} odeslána zákazníkovi na k{n}@example.cz."]
    assert env.run("documents").ok_count == 0
    assert env.run("documents", full=True).ok_count == 0
    assert len(smtp_server.messages) == 3


def test_smtp_down_mid_run_mails_the_rest_next_run_none_twice(env: Env, smtp_server: SmtpServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    configure(env, smtp_server, shop_note=False)
    invoiced(env, 5)
    real = steps.send_mail
    sent = {"n": 0}

    dead = replace(env.settings.mail, port=free_port())  # nothing listens there: the server is down

    def flaky(settings: MailSettings, *args: Any, **kw: Any) -> None:
        sent["n"] += 1
        real(settings if sent["n"] <= 2 else dead, *args, **kw)  # the server goes away after two messages

    monkeypatch.setattr(steps, "send_mail", flaky)
    run = env.run("documents")
    assert (run.ok_count, run.error_count) == (2, 3)
    errors = rows.in_states(["error"])
    assert len(errors) == 3 and all("není dostupný" in e.error for e in errors)
    monkeypatch.setattr(steps, "send_mail", real)  # the server is back
    run = env.run("documents")
    assert (run.ok_count, run.error_count) == (3, 0)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [f"k{n}@example.cz" for n in range(5)]
    assert env.run("documents").ok_count == 0


def test_no_email_bad_email_and_refused_login_are_per_document(env: Env, smtp_server: SmtpServer) -> None:
    configure(env, smtp_server)
    (no_mail,) = invoiced(env, 1, email="")
    run = env.run("documents")
    assert run.status == "ok" and run.ok_count == 0
    entry = ledger.get_entry("documents", str(no_mail[1]["id"]))
    assert entry is not None and entry.state == "no_email" and "nemá e-mail" in entry.error
    assert run.report_dict()["bez e-mailu zákazníka"] == 1
    assert env.run("documents").report_dict()["bez e-mailu zákazníka"] == 0  # an ordinary run leaves it listed
    assert env.run("documents", full=True).report_dict()["bez e-mailu zákazníka"] == 1  # a full one looks again
    env.settings = replace(env.settings, mail=replace(env.settings.mail, user="adapter", password="spatne"))
    (_, invoice) = invoiced(env, 1)[0]
    run = env.run("documents")
    assert run.error_count == 1
    entry = ledger.get_entry("documents", str(invoice["id"]))
    assert entry is not None and entry.state == "error" and "odmítl přihlášení" in entry.error
    assert smtp_server.messages == []
    env.settings = replace(env.settings, mail=replace(env.settings.mail, password="tajne"))
    assert env.run("documents").ok_count == 1
    assert [str(m["To"]) for m in smtp_server.messages] == ["k0@example.cz"]


def test_unknown_report_and_missing_settings_say_what_to_do(env: Env, smtp_server: SmtpServer) -> None:
    configure(env, smtp_server, report=77)
    (_, invoice), = invoiced(env, 1)
    run = env.run("documents")
    assert run.error_count == 1
    entry = ledger.get_entry("documents", str(invoice["id"]))
    assert entry is not None and entry.state == "print_error" and "77" in entry.error
    configure(env, smtp_server, report=1)
    assert env.run("documents").ok_count == 1  # printed again and mailed
    env.settings = replace(env.settings, documents=replace(env.settings.documents, report=0))
    run = env.run("documents")
    assert run.status == "failed" and "tisková sestava" in run.message


def test_a_crash_during_sending_is_held_not_sent_twice(env: Env, smtp_server: SmtpServer) -> None:
    configure(env, smtp_server)
    (_, invoice), = invoiced(env, 1)
    env.settings = replace(env.settings, documents=replace(env.settings.documents, email_customer=False))
    assert env.run("documents").ok_count == 1  # stored only
    ledger.save_entry("documents", str(invoice["id"]), state="mailing")  # as a run killed mid-send leaves it
    env.settings = replace(env.settings, documents=replace(env.settings.documents, email_customer=True))
    run = env.run("documents")
    assert run.held_count == 1 and smtp_server.messages == []
    entry = ledger.get_entry("documents", str(invoice["id"]))
    assert entry is not None and entry.state == "held" and "nevíme, zda" in entry.error


def test_preview_prints_and_sends_nothing(env: Env, smtp_server: SmtpServer) -> None:
    configure(env, smtp_server)
    invoiced(env, 2)
    run = env.run("documents", dry_run=True)
    assert run.report_dict()["vytiskne se"] == 2
    assert smtp_server.messages == [] and rows.in_states(["printed", "ok", "error", "print_error"]) == []


@pytest.mark.parametrize(("email", "expected"), [
    ("", "nemá e-mail"), ("jan.novak@", "není platná adresa"), ("a b@example.cz", "není platná adresa"),
    ("jan@example", "není platná adresa"), ("jan@example.cz", ""), ("Jana.Nová+e@příklad.cz", ""),
])
def test_address_problems(email: str, expected: str) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from adapter.records import Address, Order

    now = datetime.now(UTC)
    order = Order(id=1, number="1", status="completed", currency="CZK", created=now, modified=now,
                  total=Decimal(1), total_tax=Decimal(0), prices_include_tax=True, lines=(),
                  billing=Address(email=email), shipping=Address())
    problem = steps.address_problem(order)
    assert (expected in problem) if expected else problem == ""

"""The two steps of one invoice: print it to PDF in POHODA and keep it; e-mail it to the customer.

Each step commits its state before its side effect where the side effect cannot be repeated
safely: ``mailing`` goes to the ledger right before the SMTP transaction, so a crash can never
make the same invoice go out twice (see :mod:`adapter.ledger.pdfs`).
"""

from __future__ import annotations

import re
from typing import Any

from adapter import ledger
from adapter.errors import EshopError
from adapter.ledger import pdfs as rows
from adapter.mail import MailError, send_mail
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.printing import parse_print, print_request
from adapter.pohoda.states import InvoiceLink
from adapter.records import Order
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.invoice_pdfs import store
from adapter.writeback import render

EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}$")
NO_EMAIL = ("Objednávka nemá e-mail zákazníka; faktura se neposlala. PDF je ke stažení u objednávky, "
            "pošlete ji zákazníkovi jinou cestou.")
UNKNOWN_DELIVERY = ("Běh skončil uprostřed odesílání e-mailu: nevíme, zda faktura odešla. Aby nepřišla dvakrát, "
                    "znovu se sama neposílá. Ověřte u zákazníka a případně ji na stránce objednávky odešlete znovu.")


def label_of(number: str) -> str:
    """The document's label in the ledger and the run detail."""
    return f"Faktura {number}"


def print_one(ctx: JobContext, link: InvoiceLink, order_key: str) -> bool:
    """Ask POHODA for the invoice's PDF and keep it; False (recorded per document) when there is none."""
    key, label = str(link.id), label_of(link.number)
    pohoda = ctx.settings.pohoda
    item = print_request(link.id, ctx.settings.documents.report, key=f"{link.id}-{ctx.settings.documents.report}")
    pack = build_pack([item], ico=pohoda.ico, pack_id=f"doc-{ctx.run_id}-{link.id}", application=pohoda.application)
    ctx.count_request("pohoda")
    result = parse_print(ctx.pohoda().post(pack.xml, write=False))
    details: dict[str, Any] = {"order_key": order_key, "order_number": link.number_order}
    problem = result.problem()
    if problem:
        rows.print_failed(key, label=label, order_key=order_key, number=link.number, pohoda_id=link.id,
                          message=problem, details=details, run=ctx.run_id)
        ctx.error(key, problem, label=label)
        return False
    assert result.pdf is not None
    details["path"] = store.save(ctx.settings.data_dir, store.file_name(link.number, link.id), result.pdf)
    details["size"] = len(result.pdf)
    rows.stored(key, label=label, order_key=order_key, number=link.number, pohoda_id=link.id, details=details,
                run=ctx.run_id)
    return True


def address_problem(order: Order) -> str:
    """Why the order's e-mail address cannot be used, or ""."""
    email = order.billing.email.strip()
    if not email:
        return NO_EMAIL
    if not EMAIL.match(email):
        return (f"E-mail zákazníka „{email}“ není platná adresa; faktura se neposlala. Opravte adresu v objednávce "
                "a zvolte u faktury Odeslat znovu, nebo spusťte úplnou kontrolu (PDF je ke stažení u objednávky).")
    return ""


def mail_one(ctx: JobContext, entry: ledger.Entry) -> None:
    """E-mail one stored invoice PDF to the order's customer (the state is committed before the SMTP send)."""
    key, label, info = entry.key, entry.label, details_of(entry)
    data = store.load(ctx.settings.data_dir, str(info.get("path") or ""))
    if data is None:
        rows.set_state(key, "print_error", message="Uložené PDF chybí; při příštím běhu se vytiskne znovu.")
        ctx.error(key, "Uložené PDF chybí; při příštím běhu se vytiskne znovu.", label=label)
        return
    if not ctx.settings.documents.email_customer:
        rows.set_state(key, "ok", run=ctx.run_id)
        ctx.ok(key, "PDF uloženo (posílání e-mailem je vypnuto).", label=label)
        return
    try:
        ctx.count_request("eshop")
        order = ctx.eshop().get_order(int(entry.shop_id))
    except EshopError as exc:
        ctx.error(key, f"Objednávku se nepodařilo načíst z e-shopu: {exc}. Faktura se pošle při příštím běhu.",
                  label=label)
        return
    problem = address_problem(order)
    if problem:
        rows.set_state(key, "no_email", message=problem, run=ctx.run_id)
        ctx.tally["no_email"] += 1
        ctx.skipped(key, problem, label=label, record=True)
        return
    send(ctx, entry, order, data, info)


def send(ctx: JobContext, entry: ledger.Entry, order: Order, data: bytes, info: dict[str, Any]) -> None:
    """Commit ``mailing``, hand the message to the SMTP server, commit ``ok`` (or ``error``, mailed next run)."""
    key, label, docs = entry.key, entry.label, ctx.settings.documents
    email = order.billing.email.strip()
    values = {"invoice": entry.pohoda_number, "order": order.number,
              "name": " ".join(p for p in (order.billing.name, order.billing.company) if p).strip()}
    info = {**info, "email": email, "order_number": order.number}
    rows.mailing(key, info, ctx.run_id)
    try:
        send_mail(ctx.settings.mail, [email], render(docs.subject, **values), render(docs.body, **values),
                  attachments=[(f"{entry.pohoda_number}.pdf", "application/pdf", data)])
    except MailError as exc:
        rows.set_state(key, "error", message=f"{exc.message} Faktura se pošle při příštím běhu.", details=info)
        ctx.error(key, f"{exc.message} Faktura se pošle při příštím běhu.", label=label)
        return
    info["mailed_at"] = ctx.now().isoformat()
    info["note_pending"] = docs.shop_note
    rows.set_state(key, "ok", details=info, run=ctx.run_id)
    ctx.ok(key, f"Odesláno na {email}.", label=label)
    if docs.shop_note:
        add_note(ctx, key, label, info)


def add_note(ctx: JobContext, key: str, label: str, info: dict[str, Any]) -> None:
    """The private note "Faktura … odeslána zákazníkovi" (added once; retried by the next run if it failed)."""
    number = label.removeprefix("Faktura ").strip()
    try:
        ctx.count_request("eshop", 2)
        ctx.eshop().write_back(int(info.get("order_key") or 0), note=f"Faktura {number} odeslána zákazníkovi "
                               f"na {info.get('email', '')}.")
    except EshopError as exc:
        ctx.event(key, "warning", f"Poznámku do objednávky se nepodařilo přidat: {exc}. Přidá se při příštím běhu.",
                  label=label)
        return
    info["note_pending"] = False
    rows.set_state(key, "ok", details=info)

"""Faktury PDF zákazníkům: each issued invoice of a transferred order printed to PDF, kept, e-mailed once.

A run reads the issued invoices changed since the watermark (``lastChanges``), keeps those made
from orders the adapter transferred, asks POHODA to print each new one with the report of
``[documents] report`` (``prn:print`` with ``binaryData``), stores the PDF in the data folder and
e-mails it to the order's customer over the ``[mail]`` SMTP server.

Exactly once per invoice, also across crashes (:mod:`adapter.ledger.pdfs`): a PDF is printed until
one is stored; a stored PDF is mailed until the SMTP server accepts it (an SMTP error is shown on
that document and retried by the next run); ``mailing`` is committed right before the SMTP
transaction, and a row a later run finds still ``mailing`` is held for a person instead of being
sent again. A customer without a usable e-mail address is listed (``no_email``), not failed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from adapter import ledger
from adapter.errors import AdapterError
from adapter.ledger import pdfs as rows
from adapter.ledger import states as transfers
from adapter.pohoda.states import InvoiceLink
from adapter.sync.base import TO_SHOP, AgendaJob
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.invoice_pdfs.steps import UNKNOWN_DELIVERY, add_note, label_of, mail_one, print_one
from adapter.sync.state import next_pohoda_cursor, pohoda_since
from adapter.sync.states.read import changed_invoices

AGENDA = rows.AGENDA


def check_settings(ctx: JobContext) -> None:
    """Refuse a run that cannot do its work, with what to set."""
    docs = ctx.settings.documents
    if docs.report <= 0:
        raise AdapterError("Není zvolena tisková sestava faktury. Zadejte její ID v Nastavení › Faktury PDF "
                           "zákazníkům (v POHODĚ: Tisk › vlastnosti sestavy).")
    if docs.email_customer and not ctx.settings.mail.configured:
        raise AdapterError("Faktury se mají posílat e-mailem, ale odchozí pošta není nastavená. Vyplňte SMTP server "
                           "a odesílatele v Nastavení › Upozornění a e-mail, nebo posílání faktur vypněte.")


class DocumentsJob(AgendaJob):
    """Print, keep and e-mail invoice PDFs (see the module docstring)."""

    agenda: ClassVar[str] = AGENDA
    direction: ClassVar[str] = TO_SHOP
    actions: ClassVar[tuple[str, ...]] = ("sync", "preview", "full")
    watermark: ClassVar[str | None] = AGENDA

    def run(self, ctx: JobContext) -> None:
        """One run: settle interrupted e-mails, read invoices, print the new ones, mail the stored ones."""
        check_settings(ctx)
        signpost = ctx.now().astimezone()
        checkpoint = ledger.get_checkpoint(AGENDA)
        previous = checkpoint.cursor if checkpoint else ""
        since = None if ctx.full else pohoda_since(previous, timedelta(minutes=ctx.settings.documents.overlap_minutes))
        if not ctx.dry_run:
            hold_interrupted(ctx)
        ctx.progress(0, 0, "Načítám vydané faktury z POHODY", force=True)
        invoices, stamp = changed_invoices(ctx, since, prefix="doc-inv")
        targets = of_transferred(invoices)
        known = rows.rows_for(str(link.id) for link, _ in targets)
        new = [(link, key) for link, key in targets
               if str(link.id) not in known or known[str(link.id)].state in rows.RETRY_PRINT]
        new += retry_prints({str(link.id) for link, _ in new})
        if ctx.dry_run:
            preview(ctx, new)
        else:
            ctx.progress(0, len(new), "Tisknu faktury do PDF v POHODĚ", force=True)
            for link, key in new:
                ctx.check_cancel()
                print_one(ctx, link, key)
                ctx.advance()
            mail_all(ctx)
            ledger.set_checkpoint(AGENDA, next_pohoda_cursor(previous, stamp, signpost))
        ctx.report = report(ctx, since is None)
        ctx.progress(force=True)

    def report_lines(self, report: dict[str, Any]) -> list[str]:
        """The run report in Czech lines."""
        return [f"{k}: {v}" for k, v in report.items() if not isinstance(v, list)]


def of_transferred(invoices: list[InvoiceLink]) -> list[tuple[InvoiceLink, str]]:
    """(invoice, shop order key) for the invoices made from orders the adapter transferred."""
    transferred = transfers.transferred()
    by_id = {e.pohoda_id: e.key for e in transferred if e.pohoda_id}
    by_number = {e.pohoda_number: e.key for e in transferred if e.pohoda_number}
    out = []
    for link in invoices:
        key = (by_id.get(link.order_id) if link.order_id else None) or by_number.get(link.order_number)
        if key is not None:
            out.append((link, key))
    return out


def retry_prints(already: set[str]) -> list[tuple[InvoiceLink, str]]:
    """Invoices whose print failed in an earlier run and did not change since (printed again)."""
    out = []
    for entry in rows.in_states(rows.RETRY_PRINT):
        if entry.key not in already and entry.pohoda_id:
            info = details_of(entry)
            link = InvoiceLink(id=entry.pohoda_id, number=entry.pohoda_number,
                               number_order=str(info.get("order_number") or ""))
            out.append((link, entry.shop_id))
    return out


def hold_interrupted(ctx: JobContext) -> None:
    """Rows a crashed run left ``mailing``: maybe delivered — held for a person, never sent again on their own."""
    for entry in rows.in_states(["mailing"]):
        rows.set_state(entry.key, "held", message=UNKNOWN_DELIVERY, run=ctx.run_id)
        ctx.held(entry.key, UNKNOWN_DELIVERY, label=entry.label)


def mail_all(ctx: JobContext) -> None:
    """Mail every stored PDF not yet mailed, then add the shop notes earlier runs could not."""
    waiting = rows.in_states((*rows.TO_MAIL, "no_email") if ctx.full else rows.TO_MAIL)  # full: addresses fixed?
    ctx.progress(0, len(waiting), "Posílám faktury zákazníkům", force=True)
    for entry in waiting:
        ctx.check_cancel()
        mail_one(ctx, entry)
        ctx.advance()
    if ctx.settings.documents.shop_note:
        for entry in rows.in_states(["ok"]):
            info = details_of(entry)
            if info.get("note_pending"):
                add_note(ctx, entry.key, entry.label, info)


def preview(ctx: JobContext, new: list[tuple[InvoiceLink, str]]) -> None:
    """What a run would print and mail (nothing is printed, stored or sent)."""
    for link, key in new:
        ctx.tally["would_print"] += 1
        ctx.preview_rows.append({"faktura": link.number, "objednávka": link.number_order or key,
                                 "akce": "vytisknout do PDF a poslat zákazníkovi"
                                 if ctx.settings.documents.email_customer else "vytisknout do PDF"})
        ctx.event(str(link.id), "preview", "vytiskne se do PDF", label=label_of(link.number))
    for entry in rows.in_states(rows.TO_MAIL):
        ctx.tally["would_mail"] += 1
        ctx.preview_rows.append({"faktura": entry.pohoda_number, "objednávka": entry.shop_id,
                                 "akce": "poslat zákazníkovi"})


def report(ctx: JobContext, full: bool) -> dict[str, object]:
    """The run report (shown on the run detail page)."""
    out: dict[str, object] = {
        "rozsah": "všechny faktury" if full else "změny od minulého běhu",
        "odesláno / uloženo": ctx.counts["ok"], "chyby": ctx.counts["error"],
        "bez e-mailu zákazníka": ctx.tally["no_email"], "čeká na kontrolu": ctx.counts["held"],
    }
    if ctx.dry_run:
        out["vytiskne se"] = ctx.tally["would_print"]
        out["pošle se"] = ctx.tally["would_mail"]
        out["náhled"] = ctx.preview_rows
    return out

"""Blueprint ``invoice_pdfs``: Faktury PDF zákazníkům — the stored PDFs, download, send again, a test e-mail.

Thin views: each reads the ledger rows of :mod:`adapter.ledger.pdfs` or calls :mod:`adapter.mail`,
then renders or redirects. The SMTP password is never shown; a failed test e-mail shows the Czech
reason from :class:`adapter.mail.MailError`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from adapter.ledger import pdfs as rows
from adapter.mail import MailError, send_test_mail
from adapter.sync.documents import details_of
from adapter.sync.invoice_pdfs import store
from adapter.web.auth import admin_required
from adapter.web.extension import get_ext

bp = Blueprint("invoice_pdfs", __name__, url_prefix="/invoice-pdfs")

#: the document states in Czech
STATES = {
    "print_error": "nevytištěno",
    "printed": "uloženo, k odeslání",
    "mailing": "odesílá se",
    "ok": "hotovo",
    "error": "chyba odeslání",
    "no_email": "bez e-mailu",
    "held": "čeká na kontrolu",
}


@bp.route("/")
def index() -> Any:
    """Every invoice PDF with its state, the order, the reason of a problem and a download link."""
    order = request.args.get("order", "").strip()
    entries = rows.for_order(order) if order else rows.in_states(STATES)
    items = [(e, details_of(e)) for e in sorted(entries, key=lambda e: e.updated_at, reverse=True)[:500]]
    return render_template("invoice_pdfs/index.html", items=items, states=STATES, order=order)


@bp.route("/<int:entry_id>/pdf")
def download(entry_id: int) -> Any:
    """The stored PDF of one invoice."""
    entry = rows.row(entry_id)
    path = store.path_of(get_ext().settings.data_dir, str(details_of(entry).get("path") or "")) if entry else None
    if entry is None or path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{entry.pohoda_number or entry.key}.pdf")


@bp.route("/<int:entry_id>/resend", methods=["POST"])
def resend(entry_id: int) -> Any:
    """Send this invoice to the customer again with the next run (after a person checked it)."""
    entry = rows.row(entry_id)
    if entry is None or not details_of(entry).get("path"):
        abort(404)
    rows.set_state(entry.key, "printed", message="")
    flash(f"{entry.label} se pošle zákazníkovi při příštím běhu agendy Faktury PDF zákazníkům.", "info")
    return redirect(request.referrer or url_for("invoice_pdfs.index"))


@bp.route("/test-mail", methods=["POST"])
@admin_required
def test_mail() -> Any:
    """„Odeslat zkušební e-mail“: one message to the address typed in (or the sender) over the [mail] settings."""
    settings = get_ext().settings.mail
    to = request.form.get("to", "").strip() or settings.sender
    try:
        send_test_mail(settings, [to])
    except MailError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Zkušební e-mail odešel na {to}.", "info")
    return redirect(request.referrer or url_for("invoice_pdfs.index"))

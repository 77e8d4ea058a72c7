"""Blueprint ``ledger``: browse the sync ledger and read one document's record."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from adapter import ledger
from adapter.pohoda.readable import readable_xml
from adapter.web.present import details_list, make_page, page_number, pretty_json

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

PER_PAGE = 50
#: download name suffix → (Entry column, MIME type)
DOWNLOADS = {"sent.xml": ("sent_xml", "application/xml"), "answer.xml": ("answer_xml", "application/xml"),
             "eshop.json": ("eshop_data", "application/json")}


@bp.route("/")
def index() -> Any:
    """Ledger rows filtered by agenda, state and a search text."""
    args = request.args
    number = page_number(args.get("page"))
    rows = ledger.entries(
        agenda=args.get("agenda") or None,
        state=args.get("state") or None,
        search=args.get("q", "").strip(),
        limit=PER_PAGE + 1,
        offset=(number - 1) * PER_PAGE,
    )
    return render_template("ledger/index.html", page=make_page(rows, number, PER_PAGE))


@bp.route("/<int:entry_id>")
def detail(entry_id: int) -> Any:
    """Everything the ledger knows about one document."""
    entry = ledger.get_entry_by_id(entry_id) or abort(404)
    return render_template(
        "ledger/detail.html",
        entry=entry,
        details=details_list(entry.details_value()),
        sent=readable_xml(entry.sent_xml, "data"),
        answer=readable_xml(entry.answer_xml, "response"),
        eshop=pretty_json(entry.eshop_data),
    )


@bp.route("/<int:entry_id>/<any('sent.xml', 'answer.xml', 'eshop.json'):what>")
def download(entry_id: int, what: str) -> Any:
    """The stored XML or JSON of one document, whole, as a file."""
    entry = ledger.get_entry_by_id(entry_id) or abort(404)
    column, mimetype = DOWNLOADS[what]
    body = getattr(entry, column) or abort(404)
    name = f"{entry.agenda}-{entry.key}-{what}".replace("/", "_")
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response

"""Blueprint ``pohoda_push``: POHODA posts its stock export here ("Obecný internetový obchod").

``POST /pohoda/stock`` takes the ``rsp:responsePack`` with ``lStk:listStock``
that POHODA sends from *Odeslat na internet* (Windows-1250, HTTP Basic with
``[pohoda] pull_user`` / ``pull_password``), keeps it and starts a stock run
(trigger ``pohoda``) that applies it with the same hashing and batching as
every other stock run. POHODA gets a ``responsePack`` back: ``ok`` with the
number of cards and the run, or ``error`` with a Czech note saying why.
No login and no CSRF token: POHODA authenticates itself with Basic.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from adapter import ledger
from adapter.sync.stock import push as stock
from adapter.web.auth import csrf_exempt_pohoda, public_endpoint
from adapter.web.extension import get_ext
from adapter.web.pohoda_basic import pohoda_credentials_ok

bp = Blueprint("pohoda_push", __name__, url_prefix="/pohoda")

#: a full export of 100,000 cards is far above the upload limit of the web pages
MAX_EXPORT_BYTES = 512 * 1024 * 1024
XML_TYPE = "text/xml; charset=Windows-1250"


def _answer(outcome: stock.PushOutcome, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(outcome.answer(), status=status, headers=headers or {}, content_type=XML_TYPE)


@bp.route("/stock", methods=["POST"])
@public_endpoint
@csrf_exempt_pohoda
def stock_export() -> Any:
    """Receive POHODA's stock export and start applying it."""
    ext = get_ext()
    settings = ext.settings
    if not settings.pohoda.pull_user:
        return _answer(stock.PushOutcome(False, "Příjem zásob z POHODY je vypnutý. V adaptéru vyplňte v Nastavení › "
                                                "Připojení uživatele a heslo pro POHODU."), 403)
    if not pohoda_credentials_ok(request.headers.get("Authorization"), settings.pohoda):
        return _answer(stock.PushOutcome(False, "Nesprávné jméno nebo heslo. V POHODĚ je opravte v Nastavení › "
                                                "Internetové obchody › WEB klient."), 401,
                       {"WWW-Authenticate": 'Basic realm="POHODA adapter", charset="UTF-8"'})
    request.max_content_length = MAX_EXPORT_BYTES
    outcome = stock.receive_push(request.get_data(cache=False), data_dir=ext.data_dir,
                                 start=ext.runner.start, running=lambda: ledger.running_run("stock"))
    return _answer(outcome)

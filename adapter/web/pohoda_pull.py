"""Blueprint ``pohoda_pull``: POHODA pulls received orders itself („Obecný internetový obchod“).

POHODA POSTs a Windows-1250 ``dataPack`` with ``lst:listOrderRequest`` to
``/pohoda/orders`` with HTTP Basic credentials (``[pohoda] pull_user`` /
``pull_password``) and imports the ``responsePack`` it gets back. The view
does its own authentication (no login, no CSRF token: POHODA cannot send one).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from adapter.sync.orders.pull import pull_answer
from adapter.web.auth import csrf_exempt_pohoda, public_endpoint
from adapter.web.extension import get_ext
from adapter.web.pohoda_basic import pohoda_credentials_ok

bp = Blueprint("pohoda_pull", __name__, url_prefix="/pohoda")

XML_TYPE = "text/xml; charset=Windows-1250"


@bp.route("/orders", methods=["POST"])
@public_endpoint
@csrf_exempt_pohoda
def orders() -> Any:
    """Answer POHODA's order list request with the orders ready for transfer."""
    ext = get_ext()
    settings = ext.settings
    if not settings.pohoda.pull_user:
        return Response("Stahování objednávek POHODOU je vypnuté: vyplňte v Nastavení › Připojení uživatele a heslo "
                        "pro POHODU (WEB klient).\n", status=403, mimetype="text/plain")
    if not pohoda_credentials_ok(request.headers.get("Authorization"), settings.pohoda):
        return Response("Neplatné jméno nebo heslo (WEB klient v nastavení internetového obchodu v POHODĚ).\n",
                        status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="POHODA adapter", charset="UTF-8"'})
    body = pull_answer(settings, ext.connections, request.get_data(cache=False))
    return Response(body, status=200, content_type=XML_TYPE)

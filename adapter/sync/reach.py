"""A run is green only for the sides it reached.

An incremental run that finds nothing to do may never talk to one side: stock
with no changes in POHODA never calls the shop, payments with no paid invoice
never call it either, orders with nothing marked for transfer never call
POHODA. Without a check such a run would end *ok* while the shop is down. After
a job returns, the runner asks :func:`check_reached` to contact every side the
job needs but did not open (the shop's ``info()``, mServer's ``/status``); a side
that cannot be reached ends the run as *selhal* with the reason and what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from adapter.errors import AdapterError

if TYPE_CHECKING:
    from adapter.sync.context import JobContext

log = logging.getLogger(__name__)

POHODA = "pohoda"
ESHOP = "eshop"
BOTH: tuple[str, ...] = (POHODA, ESHOP)


class SideUnreachable(AdapterError):
    """The run did its own work but one side it needs did not answer."""

    def __init__(self, side: str, reason: str, *, detail: str = "") -> None:
        self.side = side
        where = "Nastavení › Připojení › E-shop" if side == ESHOP else "Nastavení › Připojení › POHODA (mServer)"
        name = "e-shopem" if side == ESHOP else "POHODOU (mServer)"
        super().__init__(
            f"Nepodařilo se spojit s {name}: {reason.rstrip('.')}. Běh proto nemůže potvrdit, že je vše "
            f"přeneseno. Zkontrolujte připojení ({where} › Test připojení) a spusťte běh znovu.",
            detail=detail,
        )


def reached(ctx: JobContext, side: str) -> bool:
    """Whether the run opened a connection to ``side`` or counted a request to it."""
    opened = ctx._eshop if side == ESHOP else ctx._pohoda
    return opened is not None or ctx.requests.get(side, 0) > 0


def probe(ctx: JobContext, side: str) -> None:
    """Contact ``side`` once (cheaply); raises :class:`SideUnreachable` when it does not answer."""
    try:
        if side == ESHOP:
            shop = ctx.eshop()
            getattr(shop, "reach", shop.info)()  # one light request where the connector has it
        else:
            ctx.pohoda().status()
    except AdapterError as exc:
        raise SideUnreachable(side, exc.message, detail=exc.detail) from exc
    except Exception as exc:  # any transport failure is "not reached", never green
        log.warning("probing %s failed", side, exc_info=True)
        raise SideUnreachable(side, f"neočekávaná chyba spojení ({type(exc).__name__})") from exc
    ctx.count_request(side)


def check_reached(ctx: JobContext, sides: Iterable[str]) -> None:
    """Probe every side in ``sides`` the run did not reach by itself."""
    for side in sides:
        if not reached(ctx, side):
            ctx.progress(phase="Ověřuji spojení s e-shopem" if side == ESHOP else "Ověřuji spojení s POHODOU")
            probe(ctx, side)

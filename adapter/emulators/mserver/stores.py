"""``lst:listStoreRequest`` → ``lst:listStore``: the warehouses (sklady) of the company.

POHODA lists every warehouse of its *Sklady* agenda; the emulator keeps no
agenda of its own for them, so it lists the warehouses its stock cards sit in,
in the order they first appear. Each ``lst:store`` is a ``sto:storeType``
(``sto:id``, ``sto:name`` — the code a stock filter's ``ftr:store`` takes —
and ``sto:text``).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from adapter.emulators.mserver.common import ItemContext
from adapter.emulators.mserver.xml_io import list_open, nd, tx

STO = "http://www.stormware.cz/schema/version_2/store.xsd"


def list_stores(ctx: ItemContext, el: etree._Element) -> Iterator[str]:
    """The warehouses the stock cards are in (the request's filter and limit are not needed for so few rows)."""
    del el
    rows = ctx.store.query("SELECT store, MIN(id) AS first FROM stock WHERE store != '' GROUP BY store ORDER BY first")
    yield list_open("lst:listStore", ctx.now)
    for number, row in enumerate(rows, start=1):
        yield nd("lst:store", tx("sto:id", number), tx("sto:name", row["store"]), tx("sto:text", row["store"]),
                 attrs={"xmlns:sto": STO})
    yield "</lst:listStore>"

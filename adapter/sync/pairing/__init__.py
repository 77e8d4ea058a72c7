"""Pairing of e-shop products with POHODA stock cards (párování), shared by several agendas.

Not an agenda of its own: stock and products read and store the pairing, orders
compare SKUs with POHODA codes, the pairing page reports it. Hence one folder
beside the agendas rather than inside one of them:

* :mod:`~adapter.sync.pairing.match` — the pure pairing rule;
* :mod:`~adapter.sync.pairing.pull` — POHODA's stock listing (warehouse by warehouse) as pairing and stock read it;
* :mod:`~adapter.sync.pairing.stream` — a whole catalogue paired on disk (temporary SQLite tables);
* :mod:`~adapter.sync.pairing.store` — computing and storing the pairing, the look-ups jobs use;
* :mod:`~adapter.sync.pairing.queries` — what the pairing page and its CSV export read.

:func:`normalise` (the comparison key of a SKU or code) is re-exported here, as the
agendas outside this folder use only that.
"""

from __future__ import annotations

from adapter.sync.pairing.match import normalise

__all__ = ["normalise"]

"""Zásoby a ceny do e-shopu: the stock agenda (POHODA → e-shop).

* :mod:`~adapter.sync.stock.job` — the run (:class:`~adapter.sync.stock.job.StockJob`);
* :mod:`~adapter.sync.stock.mapping` — pure: what one shop product should show;
* :mod:`~adapter.sync.stock.send` — the batched push to the shop, the ledger committed per batch;
* :mod:`~adapter.sync.stock.push` — POHODA's stock export pushed to ``/pohoda/stock``.

Reading POHODA's stock and the pairing live in :mod:`adapter.sync.pairing` (products use them too).
"""

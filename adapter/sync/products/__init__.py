"""Produkty do POHODY: the products agenda (e-shop products become POHODA stock cards).

* :mod:`~adapter.sync.products.job` — the run (:class:`~adapter.sync.products.job.ProductsJob`);
* :mod:`~adapter.sync.products.mapping` — pure: the card for one product;
* :mod:`~adapter.sync.products.send` — the exactly-once send of cards and initial-stock receipts.
"""

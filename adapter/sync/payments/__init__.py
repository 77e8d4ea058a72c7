"""Zaplacené objednávky (Likvidace): the payments agenda (paid invoices in POHODA → paid orders in the shop).

* :mod:`~adapter.sync.payments.job` — the run (:class:`~adapter.sync.payments.job.PaymentsJob`);
* :mod:`~adapter.sync.payments.csv` — reading POHODA's CSV export of issued invoices;
* :mod:`~adapter.sync.payments.matching` — pure: which orders the invoices say are paid (the plan);
* :mod:`~adapter.sync.payments.pull` — invoices from mServer, orders' state from the shop;
* :mod:`~adapter.sync.payments.send` — applying a plan: marking orders paid exactly once;
* :mod:`~adapter.sync.payments.preview` — the upload route's preview and its confirmation;
* :mod:`~adapter.sync.payments.store` — previewed uploads kept on disk;
* :mod:`~adapter.sync.payments.table` — the plan as the preview/run table;
* :mod:`~adapter.sync.payments.cli` — ``app.py import-payments``;
* :mod:`~adapter.sync.payments.queries` — what the payments page reads.
"""

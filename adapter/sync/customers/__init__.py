"""Adresář ⇄ zákazníci e-shopu: the customers agenda (both directions).

* :mod:`~adapter.sync.customers.job` — the run (:class:`~adapter.sync.customers.job.CustomersJob`);
* :mod:`~adapter.sync.customers.mapping` — pure: customer cards, normalisation, classification;
* :mod:`~adapter.sync.customers.sides` — the records a run reads, pairs and plans;
* :mod:`~adapter.sync.customers.sync` — both directions of one run;
* :mod:`~adapter.sync.customers.take` — a person's decision on conflicts;
* :mod:`~adapter.sync.customers.send` — the I/O both use: address book list and upsert, shop writes;
* :mod:`~adapter.sync.customers.queries` — what the Adresář page reads.
"""

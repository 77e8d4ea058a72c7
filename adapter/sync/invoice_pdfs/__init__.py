"""The ``documents`` agenda (Faktury PDF zákazníkům): issued invoices printed to PDF by POHODA, kept and e-mailed.

The folder is not called ``documents`` because :mod:`adapter.sync.documents` is the shared module
of the orders and invoices jobs; the agenda key stays ``documents``.
"""

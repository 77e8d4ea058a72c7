"""Vydané faktury: e-shop orders → POHODA issued invoices (the job is :mod:`adapter.sync.invoices.job`)."""

"""Přijaté objednávky: e-shop orders → POHODA received orders (the job is :mod:`adapter.sync.orders.job`)."""

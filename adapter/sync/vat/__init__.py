"""VAT regimes of EU and foreign sales (OSS, reverse charge, export): :mod:`adapter.sync.vat.regime`."""

from __future__ import annotations

"""Foreign-currency rates: ČNB's daily rate file (:mod:`cnb`), cached in the ledger, fixed rates as fallback (:mod:`book`)."""

from __future__ import annotations

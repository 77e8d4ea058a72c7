"""Mappings of shop values to POHODA values: what the shop has, what POHODA offers, suggestions,
and the *nová hodnota* store of values seen in orders but not mapped.

This package imports nothing at load time (the settings import :mod:`adapter.mappings.settings`).
"""

from __future__ import annotations

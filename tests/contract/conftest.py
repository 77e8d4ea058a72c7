"""The contract suite runs against the real shop too: share its fixtures and hooks."""

from __future__ import annotations

from tests.realshop.conftest import (
    fresh_shop,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_sessionfinish,
    pytest_terminal_summary,
    real_shop,
)

__all__ = [
    "fresh_shop",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "real_shop",
]

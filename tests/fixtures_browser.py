"""Headless Chromium for the browser tests (Playwright driving Debian's ``/usr/bin/chromium``).

Mandatory in CI (``CI=true``: a missing Chromium fails); elsewhere the browser tests skip loudly.
One browser per test module; each test opens its own page or context.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: what this closed network needs: no background connections, no sandbox as root, no GPU
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A Chromium instance for the module's tests."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing in CI: browser tests are mandatory there")
        pytest.skip("BROWSER TESTS SKIPPED: /usr/bin/chromium not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()

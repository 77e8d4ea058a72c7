"""The optional live check of an EU VAT id in VIES (``[vat] vies_check``, off by default).

VIES's REST service: ``GET {vies_url}/ms/{country}/vat/{number}`` answers
JSON with ``isValid``. Unreachable or unreadable → None (unknown): the
decision then keeps what the format check said and warns.
"""

from __future__ import annotations

import re

import requests

VIES_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"


class ViesChecker:
    """``checker(vat_id, country)`` → True / False / None (unknown); answers memoised for one run."""

    def __init__(self, url: str = VIES_URL, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._memo: dict[tuple[str, str], bool | None] = {}

    def __call__(self, vat_id: str, country: str) -> bool | None:
        prefix = "EL" if country.upper() == "GR" else country.upper()
        number = re.sub(r"[\s.\-]", "", vat_id).upper().removeprefix(prefix)
        key = (prefix, number)
        if key not in self._memo:
            self._memo[key] = self._ask(prefix, number)
        return self._memo[key]

    def _ask(self, prefix: str, number: str) -> bool | None:
        try:
            response = requests.get(f"{self.url}/ms/{prefix}/vat/{number}", timeout=self.timeout)
            response.raise_for_status()
            valid = response.json().get("isValid")
        except (requests.RequestException, ValueError, AttributeError):
            return None
        return valid if isinstance(valid, bool) else None

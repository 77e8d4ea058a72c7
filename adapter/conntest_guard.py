"""*Test připojení* never sends a saved secret to an address that was only typed into the form.

An empty secret field means "use the saved one", which is right for the
saved address. Sent to a new, unsaved address it would hand the mServer
password (or the shop's consumer secret) to whoever runs that address — a
mistyped host, or someone who got the admin to click. So when the address in
the form differs from the saved one, the test asks for the secret again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapter.config import Settings

#: side → (section, address key, secret key)
SIDES: dict[str, tuple[str, str, str]] = {
    "pohoda": ("pohoda", "url", "password"),
    "eshop": ("eshop", "url", "consumer_secret"),
}

MESSAGES = {
    "pohoda": "Adresa mServeru se liší od uložené: pro test na této adrese zadejte znovu heslo uživatele POHODY. "
              "Uložené heslo se na neuloženou adresu neposílá.",
    "eshop": "Adresa e-shopu se liší od uložené: pro test na této adrese zadejte znovu consumer secret. "
             "Uložený klíč se na neuloženou adresu neposílá.",
}


def _same_address(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def saved_secret_to_new_address(settings: Settings, changes: Mapping[str, Mapping[str, Any]], side: str) -> str | None:
    """A Czech message when the test would send the saved secret to an unsaved address, else None."""
    if side not in SIDES:
        return None
    section, url_key, secret_key = SIDES[side]
    saved = getattr(settings, section)
    typed = changes.get(section, {})
    if typed.get(secret_key) or not getattr(saved, secret_key):
        return None  # a secret was typed, or there is none to leak
    if _same_address(str(typed.get(url_key, getattr(saved, url_key))), getattr(saved, url_key)):
        return None
    return MESSAGES[side]

"""HTTP Basic authentication of POHODA itself ("Obecný internetový obchod").

When POHODA pulls orders from the adapter or pushes its stock export to it,
it sends the standard ``Authorization: Basic …`` header with the user name
and password entered in its *Nastavení internetových obchodů › WEB klient*.
The adapter compares them with ``[pohoda] pull_user`` / ``pull_password``
in constant time. An empty ``pull_user`` switches these endpoints off.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from adapter.config import PohodaSettings


def decode_basic(header: str | None) -> tuple[str, str] | None:
    """(user, password) from a Basic header; POHODA encodes them in Windows-1250 or UTF-8."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    for encoding in ("utf-8", "cp1250"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        user, sep, password = text.partition(":")
        return (user, password) if sep else None
    return None


def pohoda_credentials_ok(header: str | None, settings: PohodaSettings) -> bool:
    """True when the header carries the configured pull credentials (constant-time compare)."""
    if not settings.pull_user or not settings.pull_password:  # an empty password is no password
        return False
    creds = decode_basic(header)
    if creds is None:
        return False
    user_ok = hmac.compare_digest(creds[0].encode("utf-8"), settings.pull_user.encode("utf-8"))
    pass_ok = hmac.compare_digest(creds[1].encode("utf-8"), settings.pull_password.encode("utf-8"))
    return user_ok and pass_ok

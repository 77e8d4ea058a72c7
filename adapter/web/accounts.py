"""User accounts and bookmark tokens: the rules, hashes and secrets (the CLI uses it too).

Passwords are stored as werkzeug hashes. Bookmark tokens are shown once and
stored only as sha256 hex digests; presented tokens are compared against
every live token with :func:`hmac.compare_digest`, so the time taken does not
tell an attacker how much of a guess was right. The rows themselves are
read and written by :mod:`adapter.ledger.accounts`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from adapter.config import AGENDAS
from adapter.ledger import accounts as store
from adapter.ledger.models import Token, User

ROLES: dict[str, str] = {"admin": "Správce", "staff": "Obsluha"}
USERNAME_RE = re.compile(r"^[\w.@-]{2,64}$")
MIN_PASSWORD = 8


@cache
def _dummy_hash() -> str:
    """A hash checked when the user does not exist, so both paths cost the same."""
    return generate_password_hash("dummy-password-for-timing")


class AccountError(ValueError):
    """A Czech message about a user or token that cannot be created."""


# --------------------------------------------------------------------------- users


def has_users() -> bool:
    """True once at least one active account exists."""
    return store.has_active_users()


def list_users() -> list[User]:
    """All accounts, by name."""
    return store.all_users()


def validate_new_user(username: str, password: str, role: str) -> None:
    """Raise AccountError with a Czech reason when the account cannot be created."""
    if not USERNAME_RE.match(username):
        raise AccountError("Jméno musí mít 2–64 znaků (písmena, číslice, tečka, pomlčka, podtržítko, @).")
    if role not in ROLES:
        raise AccountError("Role musí být admin (správce) nebo staff (obsluha).")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Heslo musí mít alespoň {MIN_PASSWORD} znaků.")
    if store.username_exists(username):
        raise AccountError(f"Uživatel „{username}“ už existuje.")


def create_user(username: str, password: str, role: str) -> User:
    """Create an account (validated); returns the new row."""
    username = username.strip()
    validate_new_user(username, password, role)
    return store.insert_user(username, generate_password_hash(password), role)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = store.active_user_named(username.strip())
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    store.note_login(user.id)
    return user


def active_user(user_id: int | None, session_gen: int | None = None) -> User | None:
    """The logged-in user by id, if still active and the session is not older than the last logout/password change."""
    if not user_id:
        return None
    user = store.active_user_by_id(user_id)
    if user is None or (session_gen or 0) != user.session_gen:
        return None
    return user


def end_sessions(user_id: int) -> None:
    """Invalidate every session cookie of this user (logout everywhere)."""
    store.end_user_sessions(user_id)


def set_password(user_id: int, password: str) -> None:
    """Replace a user's password (which ends the user's sessions)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Heslo musí mít alespoň {MIN_PASSWORD} znaků.")
    store.set_password_hash(user_id, generate_password_hash(password))


def set_active(user_id: int, active: bool) -> None:
    """Block or unblock an account; the last active admin cannot be blocked."""
    user = store.get_user(user_id)
    if not active and user.role == "admin" and store.count_active_admins() <= 1 and user.active:
        raise AccountError("Posledního aktivního správce nelze zablokovat.")
    store.set_user_active(user_id, active)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class NewToken:
    """A freshly created token: the secret is in ``secret`` and shown only once."""

    row: Token
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(name: str, agendas: list[str] | tuple[str, ...] = (), *, created_by: str = "") -> NewToken:
    """Create a bookmark token; ``agendas`` empty = every agenda."""
    name = name.strip()
    if not name:
        raise AccountError("Zadejte název tokenu (např. „Plánovač úloh – sklad“).")
    unknown = [a for a in agendas if a not in AGENDAS]
    if unknown:
        raise AccountError("Neznámá agenda: " + ", ".join(unknown))
    secret = secrets.token_urlsafe(32)
    row = store.insert_token(
        name[:100], hash_token(secret), secret[:6], ",".join(agendas) if agendas else "*", created_by
    )
    return NewToken(row=row, secret=secret)


def list_tokens() -> list[Token]:
    """Every token, newest first (revoked ones included)."""
    return store.all_tokens()


def revoke_token(token_id: int) -> bool:
    """Revoke a token at once; True if it was live."""
    return store.revoke_token(token_id)


def token_agendas(token: Token) -> tuple[str, ...]:
    """The agendas a token may start (all when ``*``)."""
    if token.agendas in ("", "*"):
        return tuple(AGENDAS)
    return tuple(a for a in token.agendas.split(",") if a)


def check_token(secret: str) -> Token | None:
    """The live token matching ``secret`` (constant-time compare), or None."""
    if not secret:
        return None
    presented = hash_token(secret)
    found = None
    for token in store.live_tokens():
        # compare with every live token, never stopping early
        if hmac.compare_digest(token.token_hash, presented):
            found = token
    if found is not None:
        store.note_token_used(found.id)
    return found

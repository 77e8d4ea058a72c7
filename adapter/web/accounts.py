"""User accounts and bookmark tokens (no Flask here; the CLI uses it too).

Passwords are stored as werkzeug hashes. Bookmark tokens are shown once and
stored only as sha256 hex digests; presented tokens are compared against
every live token with :func:`hmac.compare_digest`, so the time taken does not
tell an attacker how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from adapter import ledger
from adapter.config import AGENDAS

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
    return ledger.User.select().where(ledger.User.active == True).exists()  # noqa: E712


def list_users() -> list[ledger.User]:
    """All accounts, by name."""
    return list(ledger.User.select().order_by(ledger.User.username))


def validate_new_user(username: str, password: str, role: str) -> None:
    """Raise AccountError with a Czech reason when the account cannot be created."""
    if not USERNAME_RE.match(username):
        raise AccountError("Jméno musí mít 2–64 znaků (písmena, číslice, tečka, pomlčka, podtržítko, @).")
    if role not in ROLES:
        raise AccountError("Role musí být admin (správce) nebo staff (obsluha).")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Heslo musí mít alespoň {MIN_PASSWORD} znaků.")
    if ledger.User.select().where(ledger.User.username == username).exists():
        raise AccountError(f"Uživatel „{username}“ už existuje.")


def create_user(username: str, password: str, role: str) -> ledger.User:
    """Create an account (validated); returns the new row."""
    username = username.strip()
    validate_new_user(username, password, role)
    return ledger.User.create(
        username=username, password_hash=generate_password_hash(password), role=role, created_at=ledger.utcnow()
    )


def authenticate(username: str, password: str) -> ledger.User | None:
    """The active user with this name and password, or None."""
    user = ledger.User.get_or_none((ledger.User.username == username.strip()) & (ledger.User.active == True))  # noqa: E712
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    ledger.User.update(last_login_at=ledger.utcnow()).where(ledger.User.id == user.id).execute()
    return user


def active_user(user_id: int | None, session_gen: int | None = None) -> ledger.User | None:
    """The logged-in user by id, if still active and the session is not older than the last logout/password change."""
    if not user_id:
        return None
    user = ledger.User.get_or_none((ledger.User.id == user_id) & (ledger.User.active == True))  # noqa: E712
    if user is None or (session_gen or 0) != user.session_gen:
        return None
    return user


def end_sessions(user_id: int) -> None:
    """Invalidate every session cookie of this user (logout everywhere)."""
    ledger.User.update(session_gen=ledger.User.session_gen + 1).where(ledger.User.id == user_id).execute()


def set_password(user_id: int, password: str) -> None:
    """Replace a user's password."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Heslo musí mít alespoň {MIN_PASSWORD} znaků.")
    ledger.User.update(
        password_hash=generate_password_hash(password), session_gen=ledger.User.session_gen + 1
    ).where(ledger.User.id == user_id).execute()


def set_active(user_id: int, active: bool) -> None:
    """Block or unblock an account; the last active admin cannot be blocked."""
    user = ledger.User.get_by_id(user_id)
    if not active and user.role == "admin" and _active_admins() <= 1 and user.active:
        raise AccountError("Posledního aktivního správce nelze zablokovat.")
    # blocking and unblocking both end the user's sessions: an old cookie must not come back to life
    ledger.User.update(active=active, session_gen=ledger.User.session_gen + 1).where(ledger.User.id == user_id).execute()


def _active_admins() -> int:
    return ledger.User.select().where((ledger.User.role == "admin") & (ledger.User.active == True)).count()  # noqa: E712


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class NewToken:
    """A freshly created token: the secret is in ``secret`` and shown only once."""

    row: ledger.Token
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
    row = ledger.Token.create(
        name=name[:100],
        token_hash=hash_token(secret),
        prefix=secret[:6],
        agendas=",".join(agendas) if agendas else "*",
        created_at=ledger.utcnow(),
        created_by=created_by,
    )
    return NewToken(row=row, secret=secret)


def list_tokens() -> list[ledger.Token]:
    """Every token, newest first (revoked ones included)."""
    return list(ledger.Token.select().order_by(ledger.Token.id.desc()))


def revoke_token(token_id: int) -> bool:
    """Revoke a token at once; True if it was live."""
    return bool(
        ledger.Token.update(revoked_at=ledger.utcnow())
        .where((ledger.Token.id == token_id) & (ledger.Token.revoked_at.is_null()))
        .execute()
    )


def token_agendas(token: ledger.Token) -> tuple[str, ...]:
    """The agendas a token may start (all when ``*``)."""
    if token.agendas in ("", "*"):
        return tuple(AGENDAS)
    return tuple(a for a in token.agendas.split(",") if a)


def check_token(secret: str) -> ledger.Token | None:
    """The live token matching ``secret`` (constant-time compare), or None."""
    if not secret:
        return None
    presented = hash_token(secret)
    found = None
    for token in ledger.Token.select().where(ledger.Token.revoked_at.is_null()):
        # compare with every live token, never stopping early
        if hmac.compare_digest(token.token_hash, presented):
            found = token
    if found is not None:
        ledger.Token.update(last_used_at=ledger.utcnow()).where(ledger.Token.id == found.id).execute()
    return found

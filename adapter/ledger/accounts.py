"""Named queries on user accounts, their sessions and bookmark tokens.

Only stored values cross this boundary: password and token hashes are made
by :mod:`adapter.web.accounts`, which also validates what people type.
"""

from __future__ import annotations

from adapter.ledger.models import Token, User, utcnow

# --------------------------------------------------------------------------- users


def has_active_users() -> bool:
    """True once at least one active account exists."""
    return bool(User.select().where(User.active == True).exists())  # noqa: E712 — peewee expression


def all_users() -> list[User]:
    """All accounts, by name."""
    return list(User.select().order_by(User.username))


def username_exists(username: str) -> bool:
    """True when an account (active or blocked) has this name."""
    return bool(User.select().where(User.username == username).exists())


def insert_user(username: str, password_hash: str, role: str) -> User:
    """Store a new account; returns the new row."""
    return User.create(username=username, password_hash=password_hash, role=role, created_at=utcnow())


def get_user(user_id: int) -> User:
    """One account by id (``User.DoesNotExist`` when there is none)."""
    return User.get_by_id(user_id)


def active_user_named(username: str) -> User | None:
    """The active account with this name, or None."""
    return User.get_or_none((User.username == username) & (User.active == True))  # noqa: E712


def active_user_by_id(user_id: int) -> User | None:
    """The active account with this id, or None."""
    return User.get_or_none((User.id == user_id) & (User.active == True))  # noqa: E712


def note_login(user_id: int) -> None:
    """Remember when the user last logged in."""
    User.update(last_login_at=utcnow()).where(User.id == user_id).execute()


def end_user_sessions(user_id: int) -> None:
    """Bump the session generation: every session cookie issued so far stops working."""
    User.update(session_gen=User.session_gen + 1).where(User.id == user_id).execute()


def set_password_hash(user_id: int, password_hash: str) -> None:
    """Store a new password hash and end the user's sessions."""
    User.update(password_hash=password_hash, session_gen=User.session_gen + 1).where(User.id == user_id).execute()


def set_user_active(user_id: int, active: bool) -> None:
    """Block or unblock an account; both end the user's sessions, so an old cookie never comes back to life."""
    User.update(active=active, session_gen=User.session_gen + 1).where(User.id == user_id).execute()


def count_active_admins() -> int:
    """How many active accounts have the admin role."""
    return int(User.select().where((User.role == "admin") & (User.active == True)).count())  # noqa: E712


# --------------------------------------------------------------------------- bookmark tokens


def insert_token(name: str, token_hash: str, prefix: str, agendas: str, created_by: str) -> Token:
    """Store a new bookmark token (its hash only); returns the new row."""
    return Token.create(
        name=name, token_hash=token_hash, prefix=prefix, agendas=agendas, created_at=utcnow(), created_by=created_by
    )


def all_tokens() -> list[Token]:
    """Every token, newest first (revoked ones included)."""
    return list(Token.select().order_by(Token.id.desc()))


def live_tokens() -> list[Token]:
    """Every token not revoked."""
    return list(Token.select().where(Token.revoked_at.is_null()))


def revoke_token(token_id: int) -> bool:
    """Revoke a token at once; True if it was live."""
    return bool(
        Token.update(revoked_at=utcnow()).where((Token.id == token_id) & (Token.revoked_at.is_null())).execute()
    )


def note_token_used(token_id: int) -> None:
    """Remember when a token last started something."""
    Token.update(last_used_at=utcnow()).where(Token.id == token_id).execute()

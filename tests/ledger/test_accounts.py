"""Ledger: the named queries on accounts, sessions and bookmark tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter import ledger
from adapter.ledger import accounts


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    ledger.init_db(tmp_path / "ledger.db")
    yield tmp_path / "ledger.db"
    ledger.database.close()


def test_users_by_name_and_by_id_only_while_active(db: Path) -> None:
    assert not accounts.has_active_users()
    anna = accounts.insert_user("anna", "hash-a", "admin")
    accounts.insert_user("bohus", "hash-b", "staff")
    assert accounts.has_active_users() and accounts.username_exists("anna")
    assert [u.username for u in accounts.all_users()] == ["anna", "bohus"]
    assert accounts.count_active_admins() == 1
    accounts.set_user_active(anna.id, False)
    assert accounts.active_user_named("anna") is None and accounts.active_user_by_id(anna.id) is None
    assert accounts.username_exists("anna") and accounts.count_active_admins() == 0
    assert accounts.get_user(anna.id).active is False


def test_a_new_password_and_a_logout_end_the_sessions(db: Path) -> None:
    user = accounts.insert_user("anna", "hash-a", "admin")
    assert user.session_gen == 0 and user.last_login_at is None
    accounts.note_login(user.id)
    accounts.end_user_sessions(user.id)
    accounts.set_password_hash(user.id, "hash-new")
    again = accounts.get_user(user.id)
    assert again.session_gen == 2 and again.password_hash == "hash-new" and again.last_login_at is not None


def test_a_revoked_token_is_no_longer_live(db: Path) -> None:
    first = accounts.insert_token("Plánovač – sklad", "h1", "abc123", "stock", "anna")
    second = accounts.insert_token("Vše", "h2", "def456", "*", "anna")
    assert [t.id for t in accounts.all_tokens()] == [second.id, first.id]
    assert accounts.revoke_token(first.id) is True
    assert accounts.revoke_token(first.id) is False
    assert [t.id for t in accounts.live_tokens()] == [second.id]
    accounts.note_token_used(second.id)
    assert ledger.Token.get_by_id(second.id).last_used_at is not None

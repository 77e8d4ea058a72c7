"""The orders pairing gate reads warehouse conflicts from the Pairing table."""

from __future__ import annotations

import pytest

from adapter import ledger
from adapter.sync.lookups import CodeResolver


@pytest.fixture
def db(tmp_path):
    ledger.init_db(tmp_path / "ledger.db")
    yield
    ledger.database.close()


def no_post(xml: bytes) -> bytes:
    raise AssertionError("everything is in the Pairing table; POHODA must not be asked")


def pairing_row(sku: str, code: str, *, stores: str = "", conflict: str = "") -> None:
    ledger.Pairing.create(status="conflict" if conflict else "paired", sku=sku, pohoda_code=code, stores=stores,
                          conflict=conflict, updated_at=ledger.utcnow())


@pytest.mark.parametrize(("stores", "conflict"), [
    ("HLAVNI,PRODEJNA", "kód „A1“ je ve více skladech POHODY (HLAVNI, PRODEJNA)"),
    ("", "kód „A1“ je ve více skladech POHODY (2 karty)"),  # listed without a warehouse filter
])
def test_code_in_several_warehouses_is_flagged_without_a_store(db, stores, conflict):
    pairing_row("a1", "A1", stores=stores, conflict=conflict)
    pairing_row("b2", "B2")
    resolver = CodeResolver(ico="12345678", post=no_post)
    assert resolver.resolve(["a1", "b2"]) == {"a1": "A1", "b2": "B2"}
    assert resolver.multi_store == {"A1"}


def test_a_configured_store_resolves_the_ambiguity(db):
    pairing_row("a1", "A1", conflict="kód „A1“ je ve více skladech POHODY (2 karty)")
    resolver = CodeResolver(ico="12345678", post=no_post, store="HLAVNI")
    resolver.resolve(["a1"])
    assert resolver.multi_store == set()

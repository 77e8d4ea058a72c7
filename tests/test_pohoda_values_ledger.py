"""POHODA's lists (formy úhrady, členění DPH) in the ledger: the migration onto an older ledger, the one-time
import of the old ``pohoda_values.json``, a broken file, and the lists refreshed from the emulator and read back."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator, values_lists
from adapter.errors import AdapterError
from adapter.ledger import migrations
from adapter.ledger import pohoda_values as kept
from adapter.ledger.models import PohodaListRead, PohodaListValue
from adapter.mappings import pohoda_values
from adapter.pohoda.lists_values import PaymentForm, PohodaValues, VatClassification
from adapter.sync.connections import default_connections

READ_AT = datetime(2026, 11, 30, 8, 15, 0, tzinfo=UTC)
#: a file exactly as the previous release wrote it (``json.dumps(..., ensure_ascii=False, indent=1)``)
OLD: dict[str, Any] = {
    "read_at": READ_AT.isoformat(),
    "payment_forms": [
        {"name": "Příkazem", "payment_type": "transfer", "text": "Převodním příkazem", "id": 1},
        {"name": "Kartou GP", "payment_type": "creditCard", "text": "", "id": 12},
        {"name": "Dobírkou", "payment_type": "delivery", "text": "Dobírkou", "id": None},
    ],
    "classifications": [
        {"code": "UD", "name": "Uskutečněné plnění - tuzemsko", "vat_type": "inland", "offer": True, "id": 1},
        {"code": "xUD", "name": "Nepoužívané", "vat_type": "inland", "offer": False, "id": 7},
    ],
    "notes": ["Členění DPH: částečně"],
}
OLD_FILE = json.dumps(OLD, ensure_ascii=False, indent=1)
OLD_VALUES = PohodaValues(
    (PaymentForm("Příkazem", "transfer", "Převodním příkazem", 1), PaymentForm("Kartou GP", "creditCard", "", 12),
     PaymentForm("Dobírkou", "delivery", "Dobírkou", None)),
    (VatClassification("UD", "Uskutečněné plnění - tuzemsko", "inland", True, 1),
     VatClassification("xUD", "Nepoužívané", "inland", False, 7)),
    ("Členění DPH: částečně",),
)


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """A data folder with an open ledger."""
    folder = tmp_path / "adapter"
    ledger.init_db(folder / "ledger.db")
    yield folder
    ledger.database.close()


def pohoda_settings(data: Path, ms: MServerEmulator) -> Settings:
    return Settings(data_dir=data, pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"))


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- the migration -----------------------------------------------------------------------------------


def test_the_migration_adds_the_tables_to_a_ledger_of_the_previous_schema(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ledger.db"
    mine = migrations.MIGRATIONS.index(migrations._m5_pohoda_lists)
    with monkeypatch.context() as m:  # the release before: every migration up to this one
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:mine])
        ledger.init_db(path)
        ledger.save_entry("orders", "15", state="ok", pohoda_number="26OP00001")
        assert ledger.schema_version() == mine
        ledger.database.close()
    assert not {"pohoda_list_read", "pohoda_list_value"} & tables(path)

    ledger.init_db(path)
    try:
        assert ledger.schema_version() == len(ledger.MIGRATIONS)
        assert {"pohoda_list_read", "pohoda_list_value"} <= tables(path)
        entry = ledger.get_entry("orders", "15")
        assert entry is not None and entry.pohoda_number == "26OP00001"  # nothing else touched
        assert not kept.has_lists() and kept.lists() is None
        pohoda_values.save(OLD_VALUES, READ_AT)
        assert pohoda_values.load(tmp_path) == pohoda_values.StoredValues(OLD_VALUES, READ_AT)
        ledger.init_db(path)  # reopened: the migration does not run again, the lists stay
        assert ledger.schema_version() == len(ledger.MIGRATIONS) and kept.has_lists()
    finally:
        ledger.database.close()


# --- the old file ------------------------------------------------------------------------------------


def test_an_old_file_is_imported_once_and_renamed(data: Path, caplog: pytest.LogCaptureFixture) -> None:
    (data / pohoda_values.FILE).write_text(OLD_FILE, encoding="utf-8")
    caplog.set_level(logging.INFO, logger="adapter.mappings.pohoda_values")
    assert pohoda_values.load(data) == pohoda_values.StoredValues(OLD_VALUES, READ_AT)
    assert not (data / pohoda_values.FILE).exists()
    assert (data / pohoda_values.IMPORTED).read_text(encoding="utf-8") == OLD_FILE  # nothing lost
    assert "převzaty do evidence přenosů" in caplog.text and pohoda_values.IMPORTED in caplog.text
    assert pohoda_values.import_old_file(data) is False  # nothing read twice

    newer = PohodaValues((PaymentForm("Hotově", "cash"),), (), ())
    pohoda_values.save(newer, READ_AT.replace(day=1, month=12))
    assert pohoda_values.load(data) == pohoda_values.StoredValues(newer, READ_AT.replace(day=1, month=12))


def test_an_old_file_never_overwrites_lists_read_after_the_upgrade(data: Path) -> None:
    newer = PohodaValues((PaymentForm("Hotově", "cash"),), (), ())
    pohoda_values.save(newer, READ_AT.replace(month=12))
    (data / pohoda_values.FILE).write_text(OLD_FILE, encoding="utf-8")  # e.g. copied back from a backup
    assert pohoda_values.import_old_file(data) is False
    assert pohoda_values.load(data) == pohoda_values.StoredValues(newer, READ_AT.replace(month=12))
    assert (data / pohoda_values.FILE).read_text(encoding="utf-8") == OLD_FILE  # left as it is


def test_the_old_file_is_imported_before_a_refresh_so_it_cannot_win_later(
        data: Path, mserver_factory: Callable[..., MServerEmulator]) -> None:
    (data / pohoda_values.FILE).write_text(OLD_FILE, encoding="utf-8")
    settings = pohoda_settings(data, mserver_factory())
    fresh = pohoda_values.refresh(settings, default_connections(), data, READ_AT.replace(month=12))
    assert (data / pohoda_values.IMPORTED).exists() and not (data / pohoda_values.FILE).exists()
    assert pohoda_values.load(data) == fresh
    assert "Kartou GP" not in [f.name for f in fresh.values.payment_forms]


def changed(path: tuple[str | int, ...], value: Any) -> str:
    """The old file with one value changed (``...`` removes it)."""
    data = json.loads(OLD_FILE)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if value is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(data, ensure_ascii=False, indent=1)


BROKEN = {
    "not JSON": OLD_FILE[:120],
    "not an object": "[1, 2, 3]",
    "a list missing": changed(("classifications",), ...),
    "a bad date": changed(("read_at",), "30. 11. 2026"),
    "a form without a name": changed(("payment_forms", 0, "name"), ...),
    "a form that is no object": changed(("payment_forms", 1), "Kartou GP"),
    "a value that is no text": changed(("payment_forms", 1, "name"), 42),
    "an id that is no number": changed(("classifications", 1, "id"), "sedm"),
    "notes that are no list": changed(("notes",), "Členění DPH"),
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_old_file_is_logged_in_czech_and_kept(data: Path, caplog: pytest.LogCaptureFixture,
                                                       text: str) -> None:
    (data / pohoda_values.FILE).write_text(text, encoding="utf-8")
    caplog.set_level(logging.INFO, logger="adapter.mappings.pohoda_values")
    assert pohoda_values.load(data) is None
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1
    message = warning[0].getMessage()
    assert "nelze převzít do evidence přenosů" in message and "Načíst z POHODY" in message
    assert str(data / pohoda_values.FILE) in message
    assert (data / pohoda_values.FILE).read_text(encoding="utf-8") == text  # kept, as it was
    assert not (data / pohoda_values.IMPORTED).exists() and not kept.has_lists()
    with pytest.raises(ValueError, match=r"\w"):  # whatever is wrong: one kind of error, with a reason
        pohoda_values.parse_old_file(text)


def test_an_old_file_that_cannot_be_renamed_is_imported_and_said_so(data: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    (data / pohoda_values.FILE).write_text(OLD_FILE, encoding="utf-8")
    (data / pohoda_values.IMPORTED).mkdir()  # something already has the name
    (data / pohoda_values.IMPORTED / "x").write_text("x", encoding="utf-8")
    assert pohoda_values.load(data) == pohoda_values.StoredValues(OLD_VALUES, READ_AT)
    assert "nejde přejmenovat" in caplog.text and "přejmenujte nebo smažte jej ručně" in caplog.text
    caplog.clear()
    assert pohoda_values.import_old_file(data) is False and caplog.text == ""  # the ledger has them: not again
    assert (data / pohoda_values.FILE).read_text(encoding="utf-8") == OLD_FILE


def test_a_file_that_is_not_utf8_counts_as_broken(data: Path, caplog: pytest.LogCaptureFixture) -> None:
    (data / pohoda_values.FILE).write_bytes(OLD_FILE.encode("cp1250"))
    assert pohoda_values.load(data) is None
    assert "nelze převzít" in caplog.text and (data / pohoda_values.FILE).exists()


def test_after_a_broken_file_the_screen_reads_pohoda_and_the_file_stays(
        data: Path, mserver_factory: Callable[..., MServerEmulator], caplog: pytest.LogCaptureFixture) -> None:
    (data / pohoda_values.FILE).write_text("{", encoding="utf-8")
    settings = pohoda_settings(data, mserver_factory())
    stored, error = pohoda_values.current(settings, default_connections(), data, READ_AT)
    assert error == "" and stored is not None and stored.read_at == READ_AT
    assert [f.name for f in stored.values.payment_forms] == [f[1] for f in values_lists.PAYMENT_FORMS]
    caplog.clear()
    assert pohoda_values.load(data) == stored  # the ledger has lists now: the broken file is not read again
    assert caplog.text == "" and (data / pohoda_values.FILE).read_text(encoding="utf-8") == "{"


def test_two_screens_opened_at_once_import_the_file_once(data: Path) -> None:
    (data / pohoda_values.FILE).write_text(OLD_FILE, encoding="utf-8")
    results: list[Any] = []
    start = threading.Barrier(4)

    def open_screen() -> None:
        start.wait()
        with ledger.database.connection_context():
            results.append((pohoda_values.import_old_file(data), pohoda_values.load(data)))

    threads = [threading.Thread(target=open_screen) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(imported for imported, _ in results) == [False, False, False, True]
    assert all(stored == pohoda_values.StoredValues(OLD_VALUES, READ_AT) for _, stored in results)
    assert (data / pohoda_values.IMPORTED).read_text(encoding="utf-8") == OLD_FILE


# --- refreshed and read back -------------------------------------------------------------------------


def test_the_lists_refreshed_from_pohoda_are_read_back_as_pohoda_gave_them(
        data: Path, mserver_factory: Callable[..., MServerEmulator], monkeypatch: pytest.MonkeyPatch) -> None:
    settings = pohoda_settings(data, mserver_factory())
    first = pohoda_values.refresh(settings, default_connections(), data, READ_AT)
    assert pohoda_values.load(data) == first
    assert [(f.id, f.name, f.text, f.payment_type) for f in first.values.payment_forms] == list(values_lists.PAYMENT_FORMS)
    assert [(c.id, c.code, c.name, c.vat_type, c.offer) for c in first.values.classifications] == list(
        values_lists.CLASSIFICATIONS)

    # POHODA's lists changed: a form renamed, one gone, the order different; the next read replaces all
    monkeypatch.setattr(values_lists, "PAYMENT_FORMS", ((9, "Kartou GP", "Karta", "creditCard"),
                                                        (1, "Příkazem", "Převodním příkazem", "transfer")))
    later = READ_AT.replace(hour=12)
    second = pohoda_values.refresh(settings, default_connections(), data, later)
    assert pohoda_values.load(data) == second and second.read_at == later
    assert [f.name for f in second.values.payment_forms] == ["Kartou GP", "Příkazem"]
    stored = kept.lists()
    assert stored is not None and [r.position for r in stored.payment_forms] == [0, 1]
    assert PohodaListRead.select().count() == 1


def test_a_failed_refresh_keeps_the_lists_read_before(data: Path,
                                                      mserver_factory: Callable[..., MServerEmulator]) -> None:
    ms = mserver_factory()
    settings = pohoda_settings(data, ms)
    before = pohoda_values.refresh(settings, default_connections(), data, READ_AT)
    ms.set_faults(no_licence=True)
    with pytest.raises(AdapterError):
        pohoda_values.refresh(settings, default_connections(), data, READ_AT.replace(hour=12))
    assert pohoda_values.load(data) == before


def test_empty_lists_and_notes_are_kept_too(data: Path) -> None:
    refused = PohodaValues((), (), ("Formy úhrady: Chybí licence.", "Členění DPH: Chybí licence."))
    pohoda_values.save(refused, READ_AT)
    assert kept.has_lists()
    assert pohoda_values.load(data) == pohoda_values.StoredValues(refused, READ_AT)


def test_a_value_of_an_unknown_kind_is_refused(data: Path) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        kept.replace(READ_AT, [PohodaListValue(kind="carrier", value="PPL")], ())
    assert not kept.has_lists()


# --- the mapping screen ------------------------------------------------------------------------------


def test_the_payment_screen_shows_the_values_of_an_old_file(app: Any, client: Any, data_dir: Path) -> None:
    (data_dir / pohoda_values.FILE).write_text(OLD_FILE, encoding="utf-8")
    page = client.get("/mapping/payment").get_data(as_text=True)
    assert "Formy úhrady načtené z POHODY" in page and "zatím nebyly načteny" not in page
    assert (data_dir / pohoda_values.IMPORTED).exists() and not (data_dir / pohoda_values.FILE).exists()

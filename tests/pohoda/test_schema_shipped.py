"""Stormware's XSD set ships with the app, and the POHODA samples ship with the tests.

Nothing outside the checkout is needed; ``tests/test_fresh_clone.py`` proves it on a copy
of the tracked files with nothing beside it (schema, emulator and real-shop tests with ``CI=true``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from adapter.pohoda import schema as pohoda_schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "pohoda_samples"


def test_the_schema_folder_is_the_packaged_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POHODA_XSD_DIR", raising=False)
    found = pohoda_schema.find_xsd_dir()
    assert found == pohoda_schema.PACKAGED_XSD
    assert found is not None and found.is_relative_to(ROOT / "adapter")
    assert (found / "SOURCE.md").is_file(), "the origin of the XSD set must be noted beside it"
    assert len(list(found.glob("*.xsd"))) >= 74


def test_the_environment_variable_still_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("data.xsd", "response.xsd"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("POHODA_XSD_DIR", str(tmp_path))
    assert pohoda_schema.find_xsd_dir() == tmp_path


def test_the_package_data_lists_the_schemas() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"adapter.pohoda" = ["xsd/*.xsd", "xsd/*.md"]' in text


def _pack_root(path: Path) -> str | None:
    root = etree.parse(str(path), pohoda_schema.safe_parser()).getroot()
    name = etree.QName(root).localname
    return name if name in ("dataPack", "responsePack") else None


SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*.xml") if _pack_root(p) is not None)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_validates_offline_against_the_shipped_set(path: Path) -> None:
    kind = "data" if _pack_root(path) == "dataPack" else "response"
    errors = pohoda_schema.validate(path.read_bytes(), kind, pohoda_schema.PACKAGED_XSD)
    assert errors == [], f"{path.name}: {errors}"


def test_a_wrong_document_is_rejected_by_the_shipped_set() -> None:
    bad = (b'<?xml version="1.0" encoding="UTF-8"?><rsp:responsePack version="2.0" id="x" state="warning" '
           b'xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd"/>')
    errors = pohoda_schema.validate(bad, "response", pohoda_schema.PACKAGED_XSD)
    assert errors, "state='warning' is not allowed on rsp:responsePack"
